package org.openwallet.funding;

import java.time.Instant;
import java.util.UUID;

/** A deposit or withdrawal as stored. Amounts in minor units. */
record FundingRequest(
        UUID id,
        UUID userId,
        String kind,
        UUID bankAccountId,
        long amountMinor,
        String currency,
        String speed,
        long feeMinor,
        String status,
        String reasonCode,
        UUID pendingTransferId,
        String bankTransferId,
        Instant submittedAt,
        Instant bankSettledAt,
        Instant createdAt,
        Instant updatedAt) {
    static final String DEPOSIT = "deposit";
    static final String WITHDRAWAL = "withdrawal";
    static final String PENDING = "pending";
    static final String SETTLED = "settled";
    static final String FAILED = "failed";
    static final String RETURNED = "returned";
}
