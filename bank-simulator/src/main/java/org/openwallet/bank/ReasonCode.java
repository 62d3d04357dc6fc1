package org.openwallet.bank;

import java.util.List;

/**
 * The NACHA return reason codes this bank produces. Real ACH has about eighty; these three are the
 * ones a wallet sees every day and must handle differently (retry later, unlink the account, ask the
 * customer to check the number).
 */
enum ReasonCode {
    /** Insufficient funds: the customer's account could not cover a debit. Meaningless for a credit. */
    R01("insufficient_funds", "0001"),
    /** Account closed. */
    R02("account_closed", "0002"),
    /** No account, or unable to locate the account. */
    R03("no_account", "0003"),
    /**
     * Unauthorized: the customer tells their bank they never allowed the debit. It comes after the
     * debit settled (up to 60 days in real ACH), so it is never an outcome at acceptance: a debit to a
     * {@code ...0010} account settles, then is returned late with R10 (see {@link #LATE_RETURNS}).
     */
    R10("unauthorized", "0010");

    /** The codes a settled debit can be returned with later (a late return). */
    static final List<ReasonCode> LATE_RETURNS = List.of(R01, R10);

    private final String description;
    private final String accountSuffix;

    ReasonCode(String description, String accountSuffix) {
        this.description = description;
        this.accountSuffix = accountSuffix;
    }

    String description() {
        return description;
    }

    /**
     * The code a test triggers by the last four digits of the account number ({@code ...0001} is
     * R01, {@code ...0002} R02, {@code ...0003} R03, {@code ...0010} R10, which only a late return
     * uses), or null for any other account.
     */
    static ReasonCode triggeredBy(String accountNumber) {
        for (ReasonCode code : values()) {
            if (accountNumber.endsWith(code.accountSuffix)) {
                return code;
            }
        }
        return null;
    }

    /** The codes that can befall a transfer in {@code direction} at its outcome: a credit cannot lack funds. */
    static List<ReasonCode> applicableTo(Direction direction) {
        return direction == Direction.DEBIT ? List.of(R01, R02, R03) : List.of(R02, R03);
    }
}
