/**
 * The synchronous fraud check, run after the Redis idempotency check and before the ledger, within
 * a latency budget: velocity, new-recipient and new-IP amount rules, an IP blocklist and blocked
 * recipients, each with a reason code. The weekly sending limit by verification tier is enforced by
 * the ledger under the sender's row lock, so parallel requests cannot race past it. Every decision
 * is recorded in an append-only table, readable by admins.
 */
package org.openwallet.fraud;
