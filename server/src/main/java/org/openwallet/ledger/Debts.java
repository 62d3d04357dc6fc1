package org.openwallet.ledger;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.openwallet.ledger.Ledger.LockedAccount;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * What users owe the wallet, and its repayment. A deposit the bank returns after it settled (a
 * late ACH return) is taken back from the user's wallet as far as the wallet's available balance
 * goes; the rest is booked as the user's debt on an account of its own, kind
 * {@code user_receivable} (one per user and currency, opened on first use). Its balance is the sum
 * of its postings like every account's, so it goes negative, and minus it is the debt; a database
 * CHECK keeps it at or below zero. The wallet itself never goes below zero.
 *
 * <p>While a user owes anything, nothing may leave their wallet (payments, withdrawals), and every
 * credit to it repays the debt first, in the same transaction, as a transfer of its own
 * (wallet to receivable, kind {@code debt_repayment}).
 *
 * <p>Locking: a debt row is only ever locked ({@code FOR UPDATE}) by a transaction that already
 * holds its owner's wallet row, and after it, so two credits to an indebted user queue on the
 * wallet and the second sees what the first repaid: the debt is never repaid twice. Nobody waits for
 * a debt row while holding it, so this adds no deadlock. For users who owe nothing, the question
 * costs one probe of a partial index that holds only the indebted ({@code ledger_accounts_indebted}).
 */
final class Debts {
    static final String RECEIVABLE = "user_receivable";
    static final String REPAYMENT_KIND = "debt_repayment";
    static final String RETURN_KIND = "deposit_return";
    static final String RETURN_DEBT_KIND = "deposit_return_debt";

    private final JdbcClient jdbc;
    private final Ledger ledger;

    Debts(JdbcClient jdbc, Ledger ledger) {
        this.jdbc = jdbc;
        this.ledger = ledger;
    }

    /** A user's open debt: their receivable account and what they owe on it (above zero). */
    record Debt(UUID accountId, long owedMinor) {
        /** What is left after repaying {@code repaidMinor}; null when nothing is. */
        Debt less(long repaidMinor) {
            return owedMinor - repaidMinor > 0 ? new Debt(accountId, owedMinor - repaidMinor) : null;
        }
    }

    /**
     * The open debts of {@code users} in {@code currency}, by user, for those who owe anything (the
     * others are absent), their rows locked for the rest of the transaction. The caller must hold
     * the users' wallet rows already (see the class comment).
     */
    Map<UUID, Debt> lockOwed(Collection<UUID> users, String currency) {
        Map<UUID, Debt> owed = new HashMap<>();
        if (users.isEmpty()) {
            return owed;
        }
        jdbc.sql("""
                SELECT owner_user_id, id, -posted_minor FROM ledger_accounts
                 WHERE kind = 'user_receivable' AND posted_minor < 0 AND currency = ? AND owner_user_id = ANY(?)
                 ORDER BY id FOR UPDATE
                """)
                .params(currency, users.stream().distinct().toArray(UUID[]::new))
                .query(rs -> {
                    owed.put((UUID) rs.getObject(1), new Debt((UUID) rs.getObject(2), rs.getLong(3)));
                });
        return owed;
    }

    /** The open debts of the owners of those of {@code accounts} that are wallets (no query when none is). */
    Map<UUID, Debt> lockOwedBy(List<LockedAccount> accounts, String currency) {
        List<UUID> owners = accounts.stream()
                .filter(account -> account.kind().equals(Ledger.WALLET))
                .map(LockedAccount::ownerUserId)
                .filter(Objects::nonNull)
                .toList();
        return owners.isEmpty() ? Map.of() : lockOwed(owners, currency);
    }

    /**
     * Repays the debt from a wallet just credited with {@code creditMinor}: moves the smaller of the
     * credit and the debt from the wallet to the receivable. Returns what it moved. The wallet and
     * the debt row must be locked ({@link #lockOwed}).
     */
    long repay(UUID walletId, Debt debt, long creditMinor, String currency) {
        long repaidMinor = Math.min(creditMinor, debt.owedMinor());
        if (repaidMinor <= 0) {
            return 0;
        }
        ledger.insertTransfer(new TransferCommand(
                walletId,
                debt.accountId(),
                repaidMinor,
                currency,
                REPAYMENT_KIND,
                null,
                "Repays what a returned deposit left owing",
                "private"));
        return repaidMinor;
    }

    /** After a credit of {@code creditMinor} to {@code to}: repays its owner's debt first, if it is a wallet whose owner owes. */
    long repayAfterCredit(LockedAccount to, Map<UUID, Debt> owed, long creditMinor) {
        if (!to.kind().equals(Ledger.WALLET)) {
            return 0;
        }
        Debt debt = owed.get(to.ownerUserId());
        return debt == null ? 0 : repay(to.id(), debt, creditMinor, to.currency());
    }

    /** What the user owes in {@code currency}: zero when nothing. A plain read, no lock. */
    long owedBy(UUID userId, String currency) {
        return jdbc.sql(
                        "SELECT -posted_minor FROM ledger_accounts WHERE kind = 'user_receivable' AND owner_user_id = ? AND currency = ?")
                .params(userId, currency)
                .query(Long.class)
                .optional()
                .orElse(0L);
    }

    /**
     * Takes back {@code amountMinor} of a deposit the bank returned late: from the user's wallet as
     * much as its available balance allows (wallet to {@code clearingAccountId}), and the rest from
     * the user's receivable, which becomes their debt. Exactly once per {@code reference}: a second
     * call finds the first's transfers and changes nothing.
     */
    Ledger.Reversal reverse(UUID userId, UUID clearingAccountId, long amountMinor, String currency, String reference) {
        UUID walletId = ledger.walletOf(userId, currency)
                .orElseThrow(() -> new IllegalArgumentException("user " + userId + " has no " + currency + " wallet"));
        List<LockedAccount> locked = ledger.lock(walletId, clearingAccountId);
        String walletReference = reference + ":wallet";
        String debtReference = reference + ":debt";
        Map<String, Long> earlier = new HashMap<>();
        jdbc.sql("SELECT reference, amount_minor FROM ledger_transfers WHERE reference IN (?, ?)")
                .params(walletReference, debtReference)
                .query(rs -> {
                    earlier.put(rs.getString(1), rs.getLong(2));
                });
        if (!earlier.isEmpty()) {
            return new Ledger.Reversal(
                    earlier.getOrDefault(walletReference, 0L), earlier.getOrDefault(debtReference, 0L), false);
        }
        LockedAccount wallet = locked.get(0).id().equals(walletId) ? locked.get(0) : locked.get(1);
        long takenMinor = Math.min(Math.max(wallet.availableMinor(), 0), amountMinor);
        if (takenMinor > 0) {
            ledger.insertTransfer(new TransferCommand(
                    walletId,
                    clearingAccountId,
                    takenMinor,
                    currency,
                    RETURN_KIND,
                    walletReference,
                    "A deposit returned by the bank",
                    "private"));
        }
        long owedMinor = amountMinor - takenMinor;
        if (owedMinor > 0) {
            ledger.insertTransfer(new TransferCommand(
                    lockReceivable(userId, currency),
                    clearingAccountId,
                    owedMinor,
                    currency,
                    RETURN_DEBT_KIND,
                    debtReference,
                    "A deposit returned by the bank, beyond the wallet's balance: owed",
                    null));
        }
        return new Ledger.Reversal(takenMinor, owedMinor, true);
    }

    /** The user's receivable in {@code currency}, opened if need be, and locked. */
    private UUID lockReceivable(UUID userId, String currency) {
        jdbc.sql("""
                INSERT INTO ledger_accounts (id, kind, owner_user_id, currency) VALUES (?, 'user_receivable', ?, ?)
                ON CONFLICT (owner_user_id, currency) WHERE kind = 'user_receivable' DO NOTHING
                """)
                .params(org.openwallet.platform.Ids.next(), userId, currency)
                .update();
        return jdbc.sql(
                        "SELECT id FROM ledger_accounts WHERE kind = 'user_receivable' AND owner_user_id = ? AND currency = ? FOR UPDATE")
                .params(userId, currency)
                .query(UUID.class)
                .single();
    }
}
