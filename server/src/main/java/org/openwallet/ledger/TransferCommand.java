package org.openwallet.ledger;

import java.util.Objects;
import java.util.UUID;

/**
 * A request to move {@code amountMinor} from one account to another.
 *
 * @param kind       what the movement is for, e.g. {@code p2p} or {@code demo_funding}
 * @param reference  an optional unique reference: a second transfer with the same one is not posted
 */
public record TransferCommand(
        UUID fromAccountId,
        UUID toAccountId,
        long amountMinor,
        String currency,
        String kind,
        String reference,
        String note,
        String visibility) {

    public TransferCommand {
        Objects.requireNonNull(fromAccountId);
        Objects.requireNonNull(toAccountId);
        Objects.requireNonNull(currency);
        Objects.requireNonNull(kind);
        if (amountMinor <= 0) {
            throw new IllegalArgumentException("amountMinor must be positive: " + amountMinor);
        }
        if (fromAccountId.equals(toAccountId)) {
            throw new IllegalArgumentException("a transfer needs two distinct accounts");
        }
    }
}
