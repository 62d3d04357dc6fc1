/**
 * The synchronous fraud check, run after the Redis idempotency check and before the ledger, within
 * a latency budget: velocity, new-recipient and new-IP amount rules, an IP blocklist and blocked
 * recipients, each with a reason code. The weekly sending limit by verification tier is enforced by
 * the ledger under the sender's row lock, so parallel requests cannot race past it. Every decision
 * is recorded in an append-only table, readable by admins.
 *
 * <p>Only the soft heuristics (velocity, new recipient or new IP with a large amount) may fall back
 * to the on-timeout default. The hard rules ({@link org.openwallet.fraud.HardRules}: blocked
 * recipient, blocked IP range, frozen sender or recipient) are checked again for every payment in
 * its ledger transaction. An admin freezes a user ({@code PUT /v1/admin/users/{id}/freeze});
 * {@link org.openwallet.fraud.Freezes} tells other capabilities whether a user is frozen.
 */
@ApplicationModule(
        allowedDependencies = {
            "audit",
            "identity",
            "ledger",
            "platform",
            "platform::database",
            "platform::money",
            "platform::redis",
            "platform::web"
        })
package org.openwallet.fraud;

import org.springframework.modulith.ApplicationModule;
