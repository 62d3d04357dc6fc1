package org.openwallet.ledger;

import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.openwallet.ledger.Ledger.LockedAccount;
import org.openwallet.ledger.Ledger.SendingLimit;

/**
 * Wallets locked once for a batch of transfers in one transaction ({@link Ledger#lockWallets}).
 * The batch's transfers are checked and applied in order against the balances held here, so ten
 * payments out of one hot wallet cost one row lock, not ten lock round trips; the rows stay locked
 * until the transaction ends, so nobody else can change them meanwhile.
 */
public final class LockedWallets {
    private final Ledger ledger;
    private final Clock clock;
    private final String currency;
    private final Map<UUID, Wallet> byOwner = new HashMap<>();
    private final Set<UUID> payers;
    /**
     * Per transfer kind, per paying wallet: what it sent within the limit's window, read for all the
     * batch's payers in one query when the kind is first needed, then kept up to date.
     */
    private final Map<String, Map<UUID, Long>> sentByKind = new HashMap<>();
    /** The open debts of the batch's users, read (and their rows locked) in one query on the first post, then kept up to date. */
    private Map<UUID, Debts.Debt> owed;

    /** A locked wallet's balance as this batch has left it. */
    private static final class Wallet {
        final LockedAccount row;
        long postedMinor;

        Wallet(LockedAccount row) {
            this.row = row;
            this.postedMinor = row.postedMinor();
        }

        long availableMinor() {
            return postedMinor - row.pendingDebitMinor();
        }
    }

    LockedWallets(Ledger ledger, Clock clock, String currency, List<LockedAccount> locked, Set<UUID> payers) {
        this.ledger = ledger;
        this.clock = clock;
        this.currency = currency;
        this.payers = payers;
        for (LockedAccount account : locked) {
            byOwner.put(account.ownerUserId(), new Wallet(account));
        }
    }

    /** The user's wallet, if it is among the locked ones. */
    public Optional<UUID> walletOf(UUID userId) {
        return Optional.ofNullable(byOwner.get(userId)).map(wallet -> wallet.row.id());
    }

    /**
     * Posts a transfer between two users' locked wallets, refusing it if the payer cannot afford it
     * or its sending would cross {@code limit}; the same checks as {@link Ledger#post}, against the
     * balances this batch has left. The payer must have been locked as a payer; a batch reads each
     * kind's sums once, for the window of the first limit it is given.
     */
    public TransferResult post(UUID fromUserId, UUID toUserId, TransferCommand command, SendingLimit limit) {
        Wallet from = byOwner.get(fromUserId);
        Wallet to = byOwner.get(toUserId);
        if (from == null
                || to == null
                || !payers.contains(fromUserId)
                || !from.row.id().equals(command.fromAccountId())
                || !to.row.id().equals(command.toAccountId())) {
            throw new IllegalArgumentException(
                    "the transfer's wallets were not locked for this batch, its payer as a payer");
        }
        if (command.reference() != null || !command.currency().equals(currency)) {
            throw new IllegalArgumentException("a batch posts " + currency + " transfers without a reference");
        }
        Debts.Debt payerDebt = owed().get(fromUserId);
        if (payerDebt != null) {
            return new TransferResult.InDebt(payerDebt.owedMinor());
        }
        if (from.availableMinor() < command.amountMinor()) {
            return new TransferResult.InsufficientFunds(from.availableMinor());
        }
        if (limit != null) {
            long sentMinor = sentByKind
                    .computeIfAbsent(
                            command.kind(),
                            kind -> ledger.sentSince(
                                    payers.stream()
                                            .map(byOwner::get)
                                            .filter(Objects::nonNull)
                                            .map(wallet -> wallet.row.id())
                                            .toList(),
                                    kind,
                                    clock.instant().minus(limit.window())))
                    .get(from.row.id());
            if (sentMinor + command.amountMinor() > limit.maxMinor()) {
                return new TransferResult.LimitExceeded(sentMinor, limit.maxMinor());
            }
        }
        LedgerTransfer moved = ledger.insertTransfer(command);
        from.postedMinor -= command.amountMinor();
        to.postedMinor += command.amountMinor();
        repayDebtOf(toUserId, to, command.amountMinor());
        Map<UUID, Long> sentOfKind = sentByKind.get(command.kind());
        if (sentOfKind != null) {
            sentOfKind.computeIfPresent(from.row.id(), (account, minor) -> minor + command.amountMinor());
        }
        return new TransferResult.Posted(new LedgerTransfer(
                moved.id(),
                moved.kind(),
                moved.currency(),
                moved.amountMinor(),
                moved.fromAccountId(),
                moved.toAccountId(),
                fromUserId,
                toUserId,
                moved.note(),
                moved.visibility(),
                moved.createdAt()));
    }

    private Map<UUID, Debts.Debt> owed() {
        if (owed == null) {
            owed = ledger.debts().lockOwed(byOwner.keySet(), currency);
        }
        return owed;
    }

    /** A credit to an indebted user's wallet repays the debt first, in this batch's transaction (see {@link Debts}). */
    private void repayDebtOf(UUID userId, Wallet wallet, long creditMinor) {
        Debts.Debt debt = owed().get(userId);
        if (debt != null) {
            long repaidMinor = ledger.debts().repay(wallet.row.id(), debt, creditMinor, currency);
            wallet.postedMinor -= repaidMinor;
            owed.compute(userId, (user, before) -> before.less(repaidMinor));
        }
    }
}
