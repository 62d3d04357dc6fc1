/**
 * Person-to-person payments: the API, the checks before money moves, and the orchestration of one
 * ledger transaction that commits the postings and the idempotency record together.
 */
@ApplicationModule(
        allowedDependencies = {
            "fraud",
            "idempotency",
            "identity",
            "ledger",
            "outbox",
            "platform::database",
            "platform::money",
            "platform::web",
            "ratelimit"
        })
package org.openwallet.transfer;

import org.springframework.modulith.ApplicationModule;
