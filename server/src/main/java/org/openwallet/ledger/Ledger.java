package org.openwallet.ledger;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.openwallet.platform.Ids;
import org.openwallet.platform.database.DeferredWrites;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The ledger's public API. Methods that write must run inside
 * {@link org.openwallet.platform.database.Transactions#run}, so that a caller can commit its own records
 * (idempotency, outbox) atomically with the money.
 */
@Service
public final class Ledger {
    static final String WALLET = "user_wallet";
    static final String SYSTEM = "system";

    private static final String TRANSFER_COLUMNS = """
            t.id, t.kind, t.currency, t.amount_minor, t.from_account_id, t.to_account_id,
            fa.owner_user_id AS from_user_id, ta.owner_user_id AS to_user_id, t.note, t.visibility, t.created_at
            """;
    private static final String TRANSFER_JOINS = """
            JOIN ledger_accounts fa ON fa.id = t.from_account_id
            JOIN ledger_accounts ta ON ta.id = t.to_account_id
            """;

    private final JdbcClient jdbc;
    private final DeferredWrites deferred;
    private final Clock clock;
    private final Debts debts;

    public Ledger(JdbcClient jdbc, DeferredWrites deferred, Clock clock) {
        this.jdbc = jdbc;
        this.deferred = deferred;
        this.clock = clock;
        this.debts = new Debts(jdbc, this);
    }

    /** Opens the user's wallet in {@code currency}, or returns the one already open. */
    public UUID openWallet(UUID userId, String currency) {
        requireTransaction();
        jdbc.sql("""
                INSERT INTO ledger_accounts (id, kind, owner_user_id, currency) VALUES (?, 'user_wallet', ?, ?)
                ON CONFLICT (owner_user_id, currency) WHERE kind = 'user_wallet' DO NOTHING
                """).params(Ids.next(), userId, currency).update();
        return walletOf(userId, currency).orElseThrow();
    }

    /** The named system account in {@code currency} (created on first use). System accounts may go negative. */
    public UUID systemAccount(String name, String currency) {
        return systemAccount(name, currency, 0);
    }

    /**
     * Sub-account {@code subAccount} of the named system account (created on first use). A hot
     * system account (the bank clearing account every deposit and withdrawal touches) is spread
     * over several rows so that concurrent transfers lock different rows; its balance is the sum of
     * its sub-accounts ({@link #systemBalance}). Sub-account 0 is the account's original row.
     */
    public UUID systemAccount(String name, String currency, int subAccount) {
        requireTransaction();
        if (subAccount < 0 || subAccount > Short.MAX_VALUE) {
            throw new IllegalArgumentException("sub-account " + subAccount + " is out of range");
        }
        Optional<UUID> existing = jdbc.sql(
                        "SELECT id FROM ledger_accounts WHERE kind = 'system' AND name = ? AND currency = ? AND sub_account = ?")
                .params(name, currency, subAccount)
                .query(UUID.class)
                .optional();
        if (existing.isPresent()) {
            return existing.get();
        }
        jdbc.sql("""
                INSERT INTO ledger_accounts (id, kind, name, currency, sub_account) VALUES (?, 'system', ?, ?, ?)
                ON CONFLICT (name, currency, sub_account) WHERE kind = 'system' DO NOTHING
                """).params(Ids.next(), name, currency, subAccount).update();
        return jdbc.sql(
                        "SELECT id FROM ledger_accounts WHERE kind = 'system' AND name = ? AND currency = ? AND sub_account = ?")
                .params(name, currency, subAccount)
                .query(UUID.class)
                .single();
    }

    /** The balance of a system account: the sum over all its sub-accounts (zero if it was never used). */
    public Balance systemBalance(String name, String currency) {
        return jdbc.sql("""
                SELECT coalesce(sum(posted_minor), 0), coalesce(sum(pending_credit_minor), 0), coalesce(sum(pending_debit_minor), 0)
                  FROM ledger_accounts WHERE kind = 'system' AND name = ? AND currency = ?
                """)
                .params(name, currency)
                .query((rs, n) -> new Balance(currency, rs.getLong(1), rs.getLong(2), rs.getLong(3)))
                .single();
    }

    public Optional<UUID> walletOf(UUID userId, String currency) {
        return jdbc.sql(
                        "SELECT id FROM ledger_accounts WHERE kind = 'user_wallet' AND owner_user_id = ? AND currency = ?")
                .params(userId, currency)
                .query(UUID.class)
                .optional();
    }

    public Optional<Balance> balanceOf(UUID userId, String currency) {
        return jdbc.sql("""
                SELECT currency, posted_minor, pending_credit_minor, pending_debit_minor FROM ledger_accounts
                 WHERE kind = 'user_wallet' AND owner_user_id = ? AND currency = ?
                """)
                .params(userId, currency)
                .query((rs, n) -> new Balance(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4)))
                .optional();
    }

    /** What the user owes in {@code currency} after a deposit the bank returned late; zero when nothing. */
    public long debtOf(UUID userId, String currency) {
        return debts.owedBy(userId, currency);
    }

    /**
     * What a late return took back: {@code reversedMinor} from the wallet, {@code debtMinor} left
     * owing; {@code now} is false when this reference was reversed before (nothing changed).
     */
    public record Reversal(long reversedMinor, long debtMinor, boolean now) {}

    /**
     * Reverses a deposit the bank took back after it settled: new transfers to {@code clearingAccountId},
     * from the user's wallet up to its available balance, the rest from the user's receivable (their
     * debt); see {@link Debts}. Exactly once per {@code reference}.
     */
    public Reversal reverseReturnedDeposit(
            UUID userId, UUID clearingAccountId, long amountMinor, String currency, String reference) {
        requireTransaction();
        return debts.reverse(userId, clearingAccountId, amountMinor, currency, reference);
    }

    Debts debts() {
        return debts;
    }

    /** The one wording of the refusal a wallet in debt gets for a payment or a withdrawal (problem {@code account_in_debt}). */
    public static String debtRefusal(org.openwallet.platform.money.Currencies.Currency currency, long debtMinor) {
        return "Your wallet owes " + currency.format(debtMinor) + " " + currency.code()
                + " for a deposit your bank returned; money you"
                + " receive repays it first, and you can pay and withdraw again once it is repaid.";
    }

    /**
     * Posts one transfer: locks both accounts, checks the paying wallet can afford it, writes the
     * transfer and its two postings. The balances follow from the postings (a database trigger).
     */
    public TransferResult post(TransferCommand command) {
        return post(command, null);
    }

    /**
     * A cap on what one wallet may send in transfers of the command's kind within a rolling window.
     * It is checked while the paying account is locked, so parallel payments queue on that lock and
     * cannot race past the cap together.
     */
    public record SendingLimit(Duration window, long maxMinor) {}

    /** Posts one transfer, refusing it if the payer's sending would cross {@code limit} (when given). */
    public TransferResult post(TransferCommand command, SendingLimit limit) {
        requireTransaction();
        // Rows are locked in ascending id order, whatever the direction of the payment, so two
        // opposite transfers between the same wallets cannot deadlock.
        List<LockedAccount> locked = lock(command.fromAccountId(), command.toAccountId());
        // Only after the locks: a concurrent post of the same reference holds them until it commits,
        // and this later statement (READ COMMITTED) then sees its transfer. Checked before the locks,
        // both would miss each other and the second would fail on the unique reference instead.
        if (command.reference() != null) {
            Optional<LedgerTransfer> earlier = findByReference(command.reference());
            if (earlier.isPresent()) {
                return new TransferResult.AlreadyPosted(earlier.get());
            }
        }
        boolean fromIsFirst = locked.get(0).id().equals(command.fromAccountId());
        LockedAccount from = fromIsFirst ? locked.get(0) : locked.get(1);
        LockedAccount to = fromIsFirst ? locked.get(1) : locked.get(0);
        for (LockedAccount account : locked) {
            if (!account.currency().equals(command.currency())) {
                throw new IllegalArgumentException(
                        "account " + account.id() + " holds " + account.currency() + ", not " + command.currency());
            }
        }
        // Debts of the wallets' owners (a late bank return): one probe of a tiny index, and their rows locked.
        Map<UUID, Debts.Debt> owed = debts.lockOwedBy(locked, command.currency());
        if (from.kind().equals(WALLET) && owed.containsKey(from.ownerUserId())) {
            return new TransferResult.InDebt(owed.get(from.ownerUserId()).owedMinor());
        }
        if (from.kind().equals(WALLET) && from.availableMinor() < command.amountMinor()) {
            return new TransferResult.InsufficientFunds(from.availableMinor());
        }
        if (limit != null) {
            long sentMinor =
                    sentSince(from.id(), command.kind(), clock.instant().minus(limit.window()));
            if (sentMinor + command.amountMinor() > limit.maxMinor()) {
                return new TransferResult.LimitExceeded(sentMinor, limit.maxMinor());
            }
        }

        LedgerTransfer moved = insertTransfer(command);
        debts.repayAfterCredit(to, owed, command.amountMinor());
        return new TransferResult.Posted(new LedgerTransfer(
                moved.id(),
                moved.kind(),
                moved.currency(),
                moved.amountMinor(),
                moved.fromAccountId(),
                moved.toAccountId(),
                from.ownerUserId(),
                to.ownerUserId(),
                moved.note(),
                moved.visibility(),
                moved.createdAt()));
    }

    /**
     * Locks the wallets in {@code currency} of {@code payers} and {@code payees} for the rest of the
     * transaction, each row once and all in one statement in ascending id order (the order every
     * other transfer locks in, so no deadlock), for a batch of transfers between them: see
     * {@link LockedWallets}.
     */
    public LockedWallets lockWallets(Collection<UUID> payers, Collection<UUID> payees, String currency) {
        requireTransaction();
        UUID[] users = java.util.stream.Stream.concat(payers.stream(), payees.stream())
                .distinct()
                .toArray(UUID[]::new);
        List<LockedAccount> locked = jdbc.sql("""
                SELECT id, kind, owner_user_id, currency, posted_minor, pending_debit_minor FROM ledger_accounts
                 WHERE kind = 'user_wallet' AND currency = ? AND owner_user_id = ANY(?) ORDER BY id FOR UPDATE
                """)
                .params(currency, users)
                .query(Ledger::lockedAccount)
                .list();
        return new LockedWallets(this, clock, currency, locked, Set.copyOf(payers));
    }

    private static final String INSERT_TRANSFER = """
            INSERT INTO ledger_transfers (id, kind, currency, amount_minor, from_account_id, to_account_id, reference, note, visibility, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""";
    private static final String INSERT_POSTINGS =
            "INSERT INTO ledger_postings (account_id, transfer_id, amount_minor) VALUES (?, ?, ?), (?, ?, ?)";

    /**
     * Writes a transfer and its two postings in one statement (one round trip; in a batch, queued
     * with the batch's others: {@link DeferredWrites}); the accounts are locked and the checks done
     * by the caller. Owners are left null.
     */
    LedgerTransfer insertTransfer(TransferCommand command) {
        LedgerTransfer transfer = newTransfer(command);
        deferred.insert(
                "WITH transfer AS (" + INSERT_TRANSFER + ") " + INSERT_POSTINGS,
                concat(transferRow(transfer, command.reference()), postingRows(transfer)));
        return transfer;
    }

    /** The transfer's journal row alone; its postings must follow in the same transaction (checked at commit). */
    private LedgerTransfer insertTransferRow(TransferCommand command) {
        LedgerTransfer transfer = newTransfer(command);
        jdbc.sql(INSERT_TRANSFER)
                .params(transferRow(transfer, command.reference()))
                .update();
        return transfer;
    }

    private void insertPostings(LedgerTransfer transfer) {
        jdbc.sql(INSERT_POSTINGS).params(postingRows(transfer)).update();
    }

    private LedgerTransfer newTransfer(TransferCommand command) {
        return new LedgerTransfer(
                Ids.next(),
                command.kind(),
                command.currency(),
                command.amountMinor(),
                command.fromAccountId(),
                command.toAccountId(),
                null,
                null,
                command.note(),
                command.visibility(),
                clock.instant().truncatedTo(ChronoUnit.MICROS));
    }

    private static Object[] transferRow(LedgerTransfer transfer, String reference) {
        return new Object[] {
            transfer.id(),
            transfer.kind(),
            transfer.currency(),
            transfer.amountMinor(),
            transfer.fromAccountId(),
            transfer.toAccountId(),
            reference,
            transfer.note(),
            transfer.visibility(),
            Timestamp.from(transfer.createdAt())
        };
    }

    private static Object[] postingRows(LedgerTransfer transfer) {
        return new Object[] {
            transfer.fromAccountId(),
            transfer.id(),
            -transfer.amountMinor(),
            transfer.toAccountId(),
            transfer.id(),
            transfer.amountMinor()
        };
    }

    private static Object[] concat(Object[] first, Object[] second) {
        Object[] both = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }

    /**
     * Records a pending transfer: the payer's available balance falls now (for a wallet, only if it
     * can afford it), the payee sees the amount as pending; no money moves until
     * {@link #postPending}. A second call with the same reference changes nothing.
     */
    public PendingResult pend(TransferCommand command) {
        requireTransaction();
        if (command.reference() == null) {
            throw new IllegalArgumentException("a pending transfer needs a reference");
        }
        List<LockedAccount> locked = lock(command.fromAccountId(), command.toAccountId());
        Optional<PendingTransfer> earlier = findPendingByReference(command.reference());
        if (earlier.isPresent()) {
            return new PendingResult.AlreadyPending(earlier.get());
        }
        LockedAccount from = locked.get(0).id().equals(command.fromAccountId()) ? locked.get(0) : locked.get(1);
        for (LockedAccount account : locked) {
            if (!account.currency().equals(command.currency())) {
                throw new IllegalArgumentException(
                        "account " + account.id() + " holds " + account.currency() + ", not " + command.currency());
            }
        }
        long owedMinor = from.kind().equals(WALLET) ? debts.owedBy(from.ownerUserId(), command.currency()) : 0;
        if (owedMinor > 0) {
            return new PendingResult.InDebt(owedMinor);
        }
        if (from.kind().equals(WALLET) && from.availableMinor() < command.amountMinor()) {
            return new PendingResult.InsufficientFunds(from.availableMinor());
        }
        PendingTransfer pending = new PendingTransfer(
                Ids.next(),
                command.kind(),
                command.currency(),
                command.amountMinor(),
                command.fromAccountId(),
                command.toAccountId(),
                command.reference(),
                command.note(),
                clock.instant().truncatedTo(ChronoUnit.MICROS));
        jdbc.sql("""
                INSERT INTO ledger_pending_transfers (id, kind, currency, amount_minor, from_account_id, to_account_id, reference, note, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
                .params(
                        pending.id(),
                        pending.kind(),
                        pending.currency(),
                        pending.amountMinor(),
                        pending.fromAccountId(),
                        pending.toAccountId(),
                        pending.reference(),
                        pending.note(),
                        Timestamp.from(pending.createdAt()))
                .update();
        return new PendingResult.Pending(pending);
    }

    /**
     * Moves the money of a pending transfer: one real transfer (reference {@code pending:<id>}) and
     * the release of the pending amounts, in this transaction. Exactly once: a pending transfer
     * already posted or voided is returned as it ended, with nothing changed.
     */
    public Resolution postPending(UUID pendingId) {
        return resolve(pendingId, Resolution.POSTED);
    }

    /** Cancels a pending transfer: the held or promised amounts are released, no money moves. Exactly once, like {@link #postPending}. */
    public Resolution voidPending(UUID pendingId) {
        return resolve(pendingId, Resolution.VOIDED);
    }

    private Resolution resolve(UUID pendingId, String outcome) {
        requireTransaction();
        PendingTransfer pending = findPending(pendingId)
                .orElseThrow(() -> new IllegalArgumentException("no pending transfer " + pendingId));
        List<LockedAccount> locked = lock(pending.fromAccountId(), pending.toAccountId());
        Optional<Resolution> earlier = jdbc.sql(
                        "SELECT outcome, transfer_id FROM ledger_pending_resolutions WHERE pending_id = ?")
                .param(pendingId)
                .query((rs, n) -> new Resolution(
                        rs.getString(1),
                        rs.getObject(2) == null
                                ? null
                                : findTransfer((UUID) rs.getObject(2)).orElseThrow(),
                        false))
                .optional();
        if (earlier.isPresent()) {
            return earlier.get();
        }
        LedgerTransfer moved = null;
        if (outcome.equals(Resolution.POSTED)) {
            moved = insertTransferRow(new TransferCommand(
                    pending.fromAccountId(),
                    pending.toAccountId(),
                    pending.amountMinor(),
                    pending.currency(),
                    pending.kind(),
                    "pending:" + pending.id(),
                    pending.note(),
                    null));
        }
        jdbc.sql(
                        "INSERT INTO ledger_pending_resolutions (pending_id, outcome, transfer_id, resolved_at) VALUES (?, ?, ?, ?)")
                .params(pendingId, outcome, moved == null ? null : moved.id(), Timestamp.from(clock.instant()))
                .update();
        if (moved != null) {
            // Only now: the resolution released the hold, so the held money is posted, not taken twice
            // (the wallet's available balance, posted less held, never dips below zero in between).
            insertPostings(moved);
        }
        // Money that reached the wallet (a deposit posted, or a withdrawal's hold released) repays its owner's debt
        // first.
        LockedAccount credited =
                locked.get(0).id().equals(moved != null ? pending.toAccountId() : pending.fromAccountId())
                        ? locked.get(0)
                        : locked.get(1);
        debts.repayAfterCredit(
                credited, debts.lockOwedBy(List.of(credited), pending.currency()), pending.amountMinor());
        return new Resolution(outcome, moved, true);
    }

    public Optional<PendingTransfer> findPending(UUID id) {
        return jdbc.sql(SELECT_PENDING + " WHERE id = ?")
                .param(id)
                .query(Ledger::pending)
                .optional();
    }

    private Optional<PendingTransfer> findPendingByReference(String reference) {
        return jdbc.sql(SELECT_PENDING + " WHERE reference = ?")
                .param(reference)
                .query(Ledger::pending)
                .optional();
    }

    private static final String SELECT_PENDING =
            "SELECT id, kind, currency, amount_minor, from_account_id, to_account_id, reference, note, created_at FROM ledger_pending_transfers";

    private static PendingTransfer pending(ResultSet rs, int row) throws SQLException {
        return new PendingTransfer(
                (UUID) rs.getObject("id"),
                rs.getString("kind"),
                rs.getString("currency"),
                rs.getLong("amount_minor"),
                (UUID) rs.getObject("from_account_id"),
                (UUID) rs.getObject("to_account_id"),
                rs.getString("reference"),
                rs.getString("note"),
                rs.getTimestamp("created_at").toInstant());
    }

    /** Locks both accounts in ascending id order (so opposite movements cannot deadlock); fails on an unknown one. */
    List<LockedAccount> lock(UUID one, UUID other) {
        List<LockedAccount> locked =
                jdbc.sql("""
                SELECT id, kind, owner_user_id, currency, posted_minor, pending_debit_minor FROM ledger_accounts
                 WHERE id IN (?, ?) ORDER BY id FOR UPDATE
                """).params(one, other).query(Ledger::lockedAccount).list();
        if (locked.size() != 2) {
            throw new IllegalArgumentException("unknown account among " + one + ", " + other);
        }
        return locked;
    }

    public Optional<LedgerTransfer> findTransfer(UUID id) {
        return jdbc.sql("SELECT " + TRANSFER_COLUMNS + " FROM ledger_transfers t " + TRANSFER_JOINS + " WHERE t.id = ?")
                .param(id)
                .query(Ledger::transfer)
                .optional();
    }

    /**
     * The user's transfers in any of their wallets, newest first, strictly older than
     * {@code beforeTransferId} when it is given. Ids are time-ordered, so id order is time order.
     */
    public List<LedgerTransfer> history(UUID userId, UUID beforeTransferId, int limit) {
        String sql = "SELECT " + TRANSFER_COLUMNS + """
                  FROM ledger_postings p
                  JOIN ledger_transfers t ON t.id = p.transfer_id
                """ + TRANSFER_JOINS + """
                 WHERE p.account_id IN (SELECT id FROM ledger_accounts WHERE kind = 'user_wallet' AND owner_user_id = :user)
                """
                + (beforeTransferId == null ? "" : " AND p.transfer_id < :before") + """
                 ORDER BY p.transfer_id DESC
                 LIMIT :limit
                """;
        var statement = jdbc.sql(sql).param("user", userId).param("limit", limit);
        if (beforeTransferId != null) {
            statement = statement.param("before", beforeTransferId);
        }
        return statement.query(Ledger::transfer).list();
    }

    /** Whether the user's wallet in {@code currency} has ever paid the other user's, person to person. */
    public boolean hasPaid(UUID fromUserId, UUID toUserId, String currency) {
        return jdbc.sql("""
                SELECT EXISTS (
                    SELECT 1 FROM ledger_transfers t
                      JOIN ledger_accounts fa ON fa.id = t.from_account_id
                      JOIN ledger_accounts ta ON ta.id = t.to_account_id
                     WHERE fa.kind = 'user_wallet' AND fa.owner_user_id = ? AND fa.currency = ?
                       AND ta.kind = 'user_wallet' AND ta.owner_user_id = ?
                       AND t.kind = 'p2p')
                """)
                .params(fromUserId, currency, toUserId)
                .query(Boolean.class)
                .single();
    }

    /**
     * What the account sent in transfers of {@code kind} since {@code since}. Ids are UUIDv7, so the
     * window is a range of the posting key (account, transfer id): no scan of older history.
     */
    long sentSince(UUID accountId, String kind, Instant since) {
        return sentSince(List.of(accountId), kind, since).get(accountId);
    }

    /** What each of the accounts paid out in transfers of {@code kind} since {@code since}, in one query. */
    Map<UUID, Long> sentSince(Collection<UUID> accountIds, String kind, Instant since) {
        deferred.flush();
        // Ids are time-ordered (UUIDv7): the lowest id of that millisecond bounds the window on the primary key.
        UUID lowestIdSince = new UUID((since.toEpochMilli() << 16) | 0x7000L, 0x8000000000000000L);
        Map<UUID, Long> sent = new HashMap<>();
        accountIds.forEach(account -> sent.put(account, 0L));
        jdbc.sql("""
                SELECT p.account_id, sum(-p.amount_minor) FROM ledger_postings p JOIN ledger_transfers t ON t.id = p.transfer_id
                 WHERE p.account_id = ANY(?) AND p.transfer_id >= ? AND p.amount_minor < 0 AND t.kind = ?
                 GROUP BY p.account_id
                """)
                .params(accountIds.toArray(UUID[]::new), lowestIdSince, kind)
                .query(rs -> {
                    sent.put((UUID) rs.getObject(1), rs.getLong(2));
                });
        return sent;
    }

    private Optional<LedgerTransfer> findByReference(String reference) {
        return jdbc.sql("SELECT " + TRANSFER_COLUMNS + " FROM ledger_transfers t " + TRANSFER_JOINS
                        + " WHERE t.reference = ?")
                .param(reference)
                .query(Ledger::transfer)
                .optional();
    }

    private static LedgerTransfer transfer(ResultSet rs, int row) throws SQLException {
        return new LedgerTransfer(
                (UUID) rs.getObject("id"),
                rs.getString("kind"),
                rs.getString("currency"),
                rs.getLong("amount_minor"),
                (UUID) rs.getObject("from_account_id"),
                (UUID) rs.getObject("to_account_id"),
                (UUID) rs.getObject("from_user_id"),
                (UUID) rs.getObject("to_user_id"),
                rs.getString("note"),
                rs.getString("visibility"),
                rs.getTimestamp("created_at").toInstant());
    }

    private static void requireTransaction() {
        if (!TransactionSynchronizationManager.isActualTransactionActive()) {
            throw new IllegalStateException("ledger writes must run inside Transactions.run");
        }
    }

    private static LockedAccount lockedAccount(ResultSet rs, int row) throws SQLException {
        return new LockedAccount(
                (UUID) rs.getObject(1),
                rs.getString(2),
                (UUID) rs.getObject(3),
                rs.getString(4),
                rs.getLong(5),
                rs.getLong(6));
    }

    record LockedAccount(
            UUID id, String kind, UUID ownerUserId, String currency, long postedMinor, long pendingDebitMinor) {
        long availableMinor() {
            return postedMinor - pendingDebitMinor;
        }
    }
}
