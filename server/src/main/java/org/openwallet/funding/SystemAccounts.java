package org.openwallet.funding;

import java.util.UUID;
import org.openwallet.ledger.Ledger;

/**
 * The funding system accounts, each spread over {@link #SUB_ACCOUNTS} ledger rows. Every deposit,
 * withdrawal and fee moves money against one of them; with a single row each, every funding
 * transaction in the wallet would queue on that one row lock. The sub-account is chosen by a hash
 * of a key of the movement (the funding request id), so the pending transfer, its posting and its
 * fee refund hit the same sub-account, and different requests spread evenly. Balances are read as
 * the sum of the sub-accounts ({@link #balance}).
 *
 * <p>Locks stay deadlock-free: the ledger locks the two accounts of a transfer in ascending id
 * order, and a transaction that touches both a clearing and a fee sub-account always takes the
 * clearing one first (the hold or its resolution, then the fee), as before the split.
 */
final class SystemAccounts {
    static final String BANK_CLEARING = "bank_clearing";
    static final String FEE_REVENUE = "fee_revenue";
    /**
     * How many rows each account is spread over. A constant rather than a setting: the choice of a
     * sub-account only has to be stable while one request is open, which it is (the pending
     * transfer names its accounts), so the number can change in a later release; 16 rows make a
     * lock wait on the clearing account rare at the funding rates a single database serves.
     */
    static final int SUB_ACCOUNTS = 16;

    private SystemAccounts() {}

    /** The bank clearing sub-account for a movement keyed by {@code key} (e.g. the funding request id). */
    static UUID bankClearing(Ledger ledger, String currency, UUID key) {
        return ledger.systemAccount(BANK_CLEARING, currency, subAccountOf(key));
    }

    /** The fee revenue sub-account for a fee keyed by {@code key}. */
    static UUID feeRevenue(Ledger ledger, String currency, UUID key) {
        return ledger.systemAccount(FEE_REVENUE, currency, subAccountOf(key));
    }

    /**
     * The sub-account of a key. Our ids are UUIDv7: the high half is mostly a timestamp, the low
     * half random, so the low half is what spreads them.
     */
    static int subAccountOf(UUID key) {
        return Math.floorMod(
                Long.hashCode(key.getLeastSignificantBits() ^ (key.getLeastSignificantBits() >>> 29)), SUB_ACCOUNTS);
    }
}
