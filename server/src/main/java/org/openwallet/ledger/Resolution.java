package org.openwallet.ledger;

/**
 * How a pending transfer ended, from {@link Ledger#postPending} or {@link Ledger#voidPending}.
 *
 * @param outcome  {@code posted} or {@code voided}
 * @param transfer the transfer that moved the money, when posted
 * @param now      whether this call resolved it; false when it had been resolved before (and this call changed nothing)
 */
public record Resolution(String outcome, LedgerTransfer transfer, boolean now) {
    public static final String POSTED = "posted";
    public static final String VOIDED = "voided";
}
