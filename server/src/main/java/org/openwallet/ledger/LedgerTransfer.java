package org.openwallet.ledger;

import java.time.Instant;
import java.util.UUID;

/**
 * A posted movement of money between two accounts. {@code fromUserId}/{@code toUserId} are the
 * owners of user wallets and null for system accounts.
 */
public record LedgerTransfer(
        UUID id,
        String kind,
        String currency,
        long amountMinor,
        UUID fromAccountId,
        UUID toAccountId,
        UUID fromUserId,
        UUID toUserId,
        String note,
        String visibility,
        Instant createdAt) {

    public boolean involves(UUID userId) {
        return userId.equals(fromUserId) || userId.equals(toUserId);
    }
}
