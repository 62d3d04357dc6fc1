package org.openwallet.funding;

import java.time.Instant;
import java.util.UUID;
import org.openwallet.platform.database.Transactions;

/**
 * Applies a bank's outcome to a request the way the reconciliation worker does after a verified
 * webhook, without the webhook and Kafka in between: for tests about what happens to the money.
 */
final class BankOutcomes {
    private final Transactions transactions;
    private final Funding funding;

    BankOutcomes(Transactions transactions, Funding funding) {
        this.transactions = transactions;
        this.funding = funding;
    }

    /** The bank settled the request; true if it was pending until now. */
    boolean settle(UUID requestId) {
        return transactions.run(() -> funding.applyOutcome(
                requestId, FundingRequest.SETTLED, null, "evt_" + UUID.randomUUID(), Instant.now()));
    }
}
