package org.openwallet.ledger;

/** The outcome of {@link Ledger#post}: expected business outcomes are values, not exceptions. */
public sealed interface TransferResult {
    /** The transfer was posted now. */
    record Posted(LedgerTransfer transfer) implements TransferResult {}

    /** A transfer with the same reference was posted before; nothing moved this time. */
    record AlreadyPosted(LedgerTransfer transfer) implements TransferResult {}

    /** The paying wallet's available balance is below the amount; nothing moved. */
    record InsufficientFunds(long availableMinor) implements TransferResult {}

    /** The payer already sent {@code sentMinor} within the limit's window; this one would cross {@code limitMinor}. */
    record LimitExceeded(long sentMinor, long limitMinor) implements TransferResult {}

    /** The paying wallet's owner owes {@code debtMinor} (a deposit the bank returned late): it may not pay out until that is repaid. */
    record InDebt(long debtMinor) implements TransferResult {}
}
