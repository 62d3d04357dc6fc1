package org.openwallet.ledger;

/** The outcome of {@link Ledger#pend}. */
public sealed interface PendingResult {
    /** The pending transfer was recorded now. */
    record Pending(PendingTransfer transfer) implements PendingResult {}

    /** A pending transfer with the same reference exists; nothing changed this time. */
    record AlreadyPending(PendingTransfer transfer) implements PendingResult {}

    /** The paying wallet's available balance is below the amount; nothing changed. */
    record InsufficientFunds(long availableMinor) implements PendingResult {}

    /** The paying wallet's owner owes {@code debtMinor}: nothing may leave the wallet until that is repaid; nothing changed. */
    record InDebt(long debtMinor) implements PendingResult {}
}
