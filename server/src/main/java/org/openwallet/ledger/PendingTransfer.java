package org.openwallet.ledger;

import java.time.Instant;
import java.util.UUID;

/** Money promised from one account to another, not yet moved: see {@link Ledger#pend}. */
public record PendingTransfer(
        UUID id,
        String kind,
        String currency,
        long amountMinor,
        UUID fromAccountId,
        UUID toAccountId,
        String reference,
        String note,
        Instant createdAt) {}
