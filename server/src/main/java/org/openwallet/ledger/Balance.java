package org.openwallet.ledger;

/**
 * An account's balances in minor units. {@code available} is what can be spent now: posted money
 * less pending debits (holds). {@code pending} is money on its way in, not yet spendable.
 */
public record Balance(String currency, long postedMinor, long pendingCreditMinor, long pendingDebitMinor) {
    public long availableMinor() {
        return postedMinor - pendingDebitMinor;
    }

    public long pendingMinor() {
        return pendingCreditMinor;
    }
}
