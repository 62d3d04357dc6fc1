package org.openwallet.ledger;

import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
    /** Per paying wallet and transfer kind: what it sent within the limit's window, read once, then kept up to date. */
    private final Map<String, Long> sentByWalletAndKind = new HashMap<>();

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

    LockedWallets(Ledger ledger, Clock clock, String currency, List<LockedAccount> locked) {
        this.ledger = ledger;
        this.clock = clock;
        this.currency = currency;
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
     * balances this batch has left.
     */
    public TransferResult post(UUID fromUserId, UUID toUserId, TransferCommand command, SendingLimit limit) {
        Wallet from = byOwner.get(fromUserId);
        Wallet to = byOwner.get(toUserId);
        if (from == null || to == null || !from.row.id().equals(command.fromAccountId()) || !to.row.id().equals(command.toAccountId())) {
            throw new IllegalArgumentException("the transfer's wallets were not locked for this batch");
        }
        if (command.reference() != null || !command.currency().equals(currency)) {
            throw new IllegalArgumentException("a batch posts " + currency + " transfers without a reference");
        }
        if (from.availableMinor() < command.amountMinor()) {
            return new TransferResult.InsufficientFunds(from.availableMinor());
        }
        String sentKey = from.row.id() + "/" + command.kind();
        if (limit != null) {
            long sentMinor = sentByWalletAndKind.computeIfAbsent(sentKey,
                    key -> ledger.sentSince(from.row.id(), command.kind(), clock.instant().minus(limit.window())));
            if (sentMinor + command.amountMinor() > limit.maxMinor()) {
                return new TransferResult.LimitExceeded(sentMinor, limit.maxMinor());
            }
        }
        LedgerTransfer moved = ledger.insertTransfer(command);
        from.postedMinor -= command.amountMinor();
        to.postedMinor += command.amountMinor();
        sentByWalletAndKind.computeIfPresent(sentKey, (key, sent) -> sent + command.amountMinor());
        return new TransferResult.Posted(new LedgerTransfer(moved.id(), moved.kind(), moved.currency(), moved.amountMinor(),
                moved.fromAccountId(), moved.toAccountId(), fromUserId, toUserId, moved.note(), moved.visibility(), moved.createdAt()));
    }
}
