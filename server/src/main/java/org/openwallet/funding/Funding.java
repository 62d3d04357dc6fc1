package org.openwallet.funding;

import java.io.Serial;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.openwallet.idempotency.IdempotencyKeys;
import org.openwallet.idempotency.IdempotencyKeys.Claim;
import org.openwallet.idempotency.IdempotencyKeys.StoredResponse;
import org.openwallet.identity.AuthenticatedUser;
import org.openwallet.ledger.Balance;
import org.openwallet.ledger.Ledger;
import org.openwallet.ledger.PendingResult;
import org.openwallet.ledger.TransferCommand;
import org.openwallet.ledger.TransferResult;
import org.openwallet.outbox.Outbox;
import org.openwallet.platform.Ids;
import org.openwallet.platform.database.Transactions;
import org.openwallet.platform.money.Currencies;
import org.openwallet.platform.web.Cursors;
import org.openwallet.platform.web.Problem;
import org.openwallet.platform.web.ProblemCode;
import org.openwallet.platform.web.ProblemException;
import org.openwallet.platform.web.ProblemHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import tools.jackson.databind.json.JsonMapper;

/**
 * Deposits and withdrawals: each a state machine over one pending ledger transfer.
 *
 * <pre>
 *   deposit:     pending ──settled──► settled   (pending credit posted: spendable)
 *                        ──failed───► failed    (pending credit voided)
 *   withdrawal:  pending ──settled──► settled   (hold posted: the money left)
 *                        ──failed───► failed    (hold voided: available again; instant fee refunded)
 *                        ──returned─► returned  (the same, for an ACH return)
 *   deposit:     settled ──returned─► returned  (a late ACH return: reversed, the rest a debt; see LateReturns)
 * </pre>
 *
 * A request is created in one transaction with its pending transfer, its outbox event and its
 * idempotency record; it is sent to the bank after that commit. Each transition runs in one
 * transaction that locks the request row and leaves {@code pending}: a duplicate or late outcome
 * finds it decided and changes nothing.
 */
@Service
class Funding {
    private static final Logger log = LoggerFactory.getLogger(Funding.class);
    static final String DEPOSIT_OPERATION = "funding.deposit";
    static final String WITHDRAWAL_OPERATION = "funding.withdrawal";
    static final int MAX_PAGE_SIZE = 100;

    private final Transactions transactions;
    private final JdbcClient jdbc;
    private final IdempotencyKeys idempotency;
    private final Ledger ledger;
    private final BankAccounts accounts;
    private final Outbox outbox;
    private final Currencies currencies;
    private final ProblemHandler problems;
    private final JsonMapper json;
    private final FundingProperties properties;
    private final Clock clock;
    private final WithdrawalLimits withdrawalLimits;
    private final LateReturns lateReturns;
    /** Per currency code, the instant fee's minimum and maximum in its minor units. */
    private final Map<String, FeeBoundsMinor> instantFeeBoundsMinor;

    private record FeeBoundsMinor(long min, long max) {}

    Funding(
            Transactions transactions,
            JdbcClient jdbc,
            IdempotencyKeys idempotency,
            Ledger ledger,
            BankAccounts accounts,
            Outbox outbox,
            Currencies currencies,
            ProblemHandler problems,
            JsonMapper json,
            FundingProperties properties,
            Clock clock,
            WithdrawalLimits withdrawalLimits,
            LateReturns lateReturns) {
        this.withdrawalLimits = withdrawalLimits;
        this.transactions = transactions;
        this.jdbc = jdbc;
        this.idempotency = idempotency;
        this.ledger = ledger;
        this.accounts = accounts;
        this.outbox = outbox;
        this.currencies = currencies;
        this.problems = problems;
        this.json = json;
        this.properties = properties;
        this.clock = clock;
        this.lateReturns = lateReturns;
        this.instantFeeBoundsMinor = currencies.requiredPerCurrency(
                "wallet.funding.instant-fee-bounds", properties.instantFeeBounds(), (currency, bounds) -> {
                    long min = currency.parseSetting("min", bounds.min());
                    long max = currency.parseSetting("max", bounds.max());
                    if (min > max) {
                        throw new IllegalArgumentException(
                                "min (" + bounds.min() + ") is above max (" + bounds.max() + ")");
                    }
                    return new FeeBoundsMinor(min, max);
                });
    }

    /** The body of a deposit or withdrawal request; {@code speed} only for withdrawals. */
    record Order(String bankAccountId, String amount, String currency, String speed) {}

    /** A response ready to send, its request id when one was created, and whether it is a replay. */
    record Response(int status, byte[] body, boolean replayed, UUID createdRequestId) {}

    private record ValidOrder(UUID bankAccountId, long amountMinor, String currency, String speed) {}

    Response deposit(AuthenticatedUser user, String idempotencyKey, Order order) {
        return create(user, idempotencyKey, FundingRequest.DEPOSIT, order, null);
    }

    /**
     * A withdrawal. {@code rateLimit} (throwing 429) runs after validation, so a malformed request is
     * a 400 that costs nothing, and not at all for a retry of a withdrawal that finished: that is
     * answered with its stored response, never counted or refused.
     */
    Response withdraw(AuthenticatedUser user, String idempotencyKey, Order order, Runnable rateLimit) {
        return create(user, idempotencyKey, FundingRequest.WITHDRAWAL, order, rateLimit);
    }

    private Response create(
            AuthenticatedUser user, String idempotencyKey, String kind, Order order, Runnable rateLimit) {
        String key = IdempotencyKeys.requireValid(idempotencyKey);
        ValidOrder valid = validate(kind, order);
        String operation = kind.equals(FundingRequest.DEPOSIT) ? DEPOSIT_OPERATION : WITHDRAWAL_OPERATION;
        byte[] fingerprint = IdempotencyKeys.fingerprint(json.writeValueAsString(valid));
        if (rateLimit != null) {
            // One primary-key read, before any token is taken; the claim below still decides races.
            Optional<StoredResponse> finished = idempotency.finished(user.userId(), operation, key, fingerprint);
            if (finished.isPresent()) {
                return new Response(finished.get().status(), finished.get().body(), true, null);
            }
            rateLimit.run();
        }
        try {
            return transactions.run(() -> switch (idempotency.claim(user.userId(), operation, key, fingerprint)) {
                case Claim.InProgress inProgress ->
                    throw new ProblemException(
                            ProblemCode.IDEMPOTENCY_REQUEST_IN_PROGRESS,
                            "The first request with this Idempotency-Key has not finished; retry shortly.");
                case Claim.Reused reused ->
                    throw new ProblemException(
                            ProblemCode.IDEMPOTENCY_KEY_REUSED,
                            "This Idempotency-Key was used for a different request; use a new key for a new one.");
                case Claim.Replay replay ->
                    new Response(replay.response().status(), replay.response().body(), true, null);
                case Claim.Proceed proceed -> {
                    Response fresh = execute(user.userId(), kind, valid);
                    idempotency.complete(
                            user.userId(),
                            operation,
                            key,
                            fingerprint,
                            new StoredResponse(fresh.status(), fresh.body()));
                    yield fresh;
                }
            });
        } catch (FundsRaced raced) {
            // Rolled back whole; not remembered, so a retry with the same key is decided afresh.
            return problem(ProblemCode.INSUFFICIENT_FUNDS, raced.getMessage());
        } catch (WithdrawalDeclined declined) {
            // The same: a limit decided under the wallet's lock, whose hold is rolled back with it.
            return new Response(declined.problem.status(), problems.toBytes(declined.problem), false, null);
        }
    }

    /** A withdrawal declined by {@link WithdrawalLimits} after its hold was recorded: the transaction is rolled back. */
    private static final class WithdrawalDeclined extends RuntimeException {
        @Serial
        private static final long serialVersionUID = 1L;

        private final transient Problem problem;

        WithdrawalDeclined(Problem problem) {
            super(problem.detail(), null, false, false);
            this.problem = problem;
        }
    }

    /** The balance changed between the check and the hold: the transaction is rolled back. */
    private static final class FundsRaced extends RuntimeException {
        @Serial
        private static final long serialVersionUID = 1L;

        FundsRaced(String message) {
            super(message, null, false, false);
        }
    }

    private Response execute(UUID userId, String kind, ValidOrder order) {
        Optional<BankAccounts.BankAccount> account = accounts.find(userId, order.bankAccountId())
                .filter(found -> !found.status().equals(BankAccounts.REMOVED));
        if (account.isEmpty()) {
            return problem(ProblemCode.NOT_FOUND, "No linked bank account " + order.bankAccountId() + ".");
        }
        if (!account.get().status().equals(BankAccounts.ACTIVE)) {
            return problem(
                    ProblemCode.BANK_ACCOUNT_UNVERIFIED,
                    "Bank account " + order.bankAccountId() + " is "
                            + account.get().status()
                            + ": confirm its two micro-deposits (POST /v1/bank-accounts/{id}/verify) before moving money with it.");
        }
        Optional<UUID> wallet = ledger.walletOf(userId, order.currency());
        if (wallet.isEmpty()) {
            return problem(ProblemCode.CURRENCY_MISMATCH, "You have no wallet in " + order.currency() + ".");
        }
        Currencies.Currency currency = currencies.require(order.currency());
        UUID id = Ids.next();
        UUID clearing = SystemAccounts.bankClearing(ledger, currency.code(), id);
        long feeMinor = kind.equals(FundingRequest.WITHDRAWAL) && "instant".equals(order.speed())
                ? instantFee(currency, order.amountMinor())
                : 0;
        if (kind.equals(FundingRequest.WITHDRAWAL)) {
            long debtMinor = ledger.debtOf(userId, currency.code());
            if (debtMinor > 0) {
                return problem(ProblemCode.ACCOUNT_IN_DEBT, Ledger.debtRefusal(currency, debtMinor));
            }
            long availableMinor = ledger.balanceOf(userId, currency.code())
                    .map(Balance::availableMinor)
                    .orElse(0L);
            if (availableMinor < order.amountMinor() + feeMinor) {
                return problem(
                        ProblemCode.INSUFFICIENT_FUNDS,
                        "Available balance is " + currency.format(availableMinor) + " " + currency.code()
                                + "; this withdrawal needs " + currency.format(order.amountMinor() + feeMinor) + " "
                                + currency.code()
                                + (feeMinor > 0 ? " including the instant fee of " + currency.format(feeMinor) : "")
                                + ".");
            }
        }
        TransferCommand hold = kind.equals(FundingRequest.DEPOSIT)
                ? new TransferCommand(
                        clearing,
                        wallet.get(),
                        order.amountMinor(),
                        currency.code(),
                        "deposit",
                        "funding:" + id,
                        null,
                        null)
                : new TransferCommand(
                        wallet.get(),
                        clearing,
                        order.amountMinor(),
                        currency.code(),
                        "withdrawal",
                        "funding:" + id,
                        null,
                        null);
        PendingResult pending = ledger.pend(hold);
        if (pending instanceof PendingResult.InDebt inDebt) {
            // A late return committed between the check above and this hold: the same answer as that check.
            throw new WithdrawalDeclined(
                    Problem.of(ProblemCode.ACCOUNT_IN_DEBT, Ledger.debtRefusal(currency, inDebt.debtMinor())));
        }
        if (!(pending instanceof PendingResult.Pending recorded)) {
            throw new FundsRaced("Your available balance changed while this withdrawal was being made; it is below "
                    + currency.format(order.amountMinor() + feeMinor) + " " + currency.code() + ".");
        }
        if (kind.equals(FundingRequest.WITHDRAWAL)) {
            withdrawalLimits
                    .decline(userId, currency.code(), order.amountMinor(), feeMinor)
                    .ifPresent(problem -> {
                        throw new WithdrawalDeclined(problem);
                    });
        }
        UUID feeTransferId = null;
        if (feeMinor > 0) {
            TransferResult fee = ledger.post(new TransferCommand(
                    wallet.get(),
                    SystemAccounts.feeRevenue(ledger, currency.code(), id),
                    feeMinor,
                    currency.code(),
                    "withdrawal_fee",
                    "fee:" + id,
                    "Instant withdrawal fee",
                    null));
            if (!(fee instanceof TransferResult.Posted posted)) {
                throw new FundsRaced("Your available balance changed while this withdrawal was being made.");
            }
            feeTransferId = posted.transfer().id();
        }
        Instant now = now();
        jdbc.sql("""
                INSERT INTO funding_requests (id, user_id, kind, bank_account_id, amount_minor, currency, speed, fee_minor, status,
                                              pending_transfer_id, fee_transfer_id, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?)
                """)
                .params(
                        id,
                        userId,
                        kind,
                        order.bankAccountId(),
                        order.amountMinor(),
                        currency.code(),
                        order.speed(),
                        feeMinor,
                        recorded.transfer().id(),
                        feeTransferId,
                        Timestamp.from(now),
                        Timestamp.from(now))
                .update();
        jdbc.sql(
                        "INSERT INTO funding_transitions (request_id, from_status, to_status, occurred_at) VALUES (?, 'new', 'pending', ?)")
                .params(id, Timestamp.from(now))
                .update();
        FundingRequest request = find(id).orElseThrow();
        publish(request, "funding.requested");
        return new Response(202, json.writeValueAsBytes(view(request)), false, id);
    }

    /** 1.75 % by default, rounded half up to the minor unit, within the currency's configured minimum and maximum. */
    long instantFee(Currencies.Currency currency, long amountMinor) {
        long fee = new BigDecimal(amountMinor)
                .multiply(properties.instantFeeRate())
                .setScale(0, RoundingMode.HALF_UP)
                .longValueExact();
        FeeBoundsMinor bounds = instantFeeBoundsMinor.get(currency.code());
        return Math.max(bounds.min(), Math.min(bounds.max(), fee));
    }

    /**
     * Applies the bank's outcome for a request: settled posts the pending transfer; failed or
     * returned voids it (and refunds an instant fee). A settled deposit returned later is reversed
     * ({@link LateReturns}). Must run in a transaction. Returns false when the request was already
     * decided (a duplicate or late outcome): nothing changes then.
     */
    boolean applyOutcome(UUID requestId, String outcome, String reasonCode, String bankEventId, Instant occurredAt) {
        FundingRequest request = jdbc.sql(SELECT + " WHERE id = ? FOR UPDATE")
                .param(requestId)
                .query((rs, n) -> request(rs))
                .optional()
                .orElseThrow(() -> new UnknownRequestException(requestId));
        if (!request.status().equals(FundingRequest.PENDING)) {
            if (LateReturns.isLateReturn(request, outcome)) {
                lateReturns.apply(request, reasonCode, bankEventId, occurredAt);
                publish(find(requestId).orElseThrow(), "funding." + outcome);
                return true;
            }
            if (!request.status().equals(outcome)) {
                log.warn(
                        "Bank says {} {} for request {}, which is already {}; left as it is",
                        outcome,
                        reasonCode,
                        requestId,
                        request.status());
            }
            return false;
        }
        if (outcome.equals(FundingRequest.SETTLED)) {
            ledger.postPending(request.pendingTransferId());
        } else {
            ledger.voidPending(request.pendingTransferId());
            if (request.feeMinor() > 0) {
                UUID wallet =
                        ledger.walletOf(request.userId(), request.currency()).orElseThrow();
                ledger.post(new TransferCommand(
                        SystemAccounts.feeRevenue(ledger, request.currency(), request.id()),
                        wallet,
                        request.feeMinor(),
                        request.currency(),
                        "withdrawal_fee_refund",
                        "fee-refund:" + request.id(),
                        "Instant withdrawal fee refunded",
                        null));
            }
        }
        Instant now = now();
        jdbc.sql(
                        "UPDATE funding_requests SET status = ?, reason_code = ?, bank_settled_at = ?, updated_at = ? WHERE id = ?")
                .params(
                        outcome,
                        reasonCode,
                        outcome.equals(FundingRequest.SETTLED) ? Timestamp.from(occurredAt) : null,
                        Timestamp.from(now),
                        requestId)
                .update();
        jdbc.sql(
                        "INSERT INTO funding_transitions (request_id, from_status, to_status, reason_code, bank_event_id, occurred_at) VALUES (?, 'pending', ?, ?, ?, ?)")
                .params(requestId, outcome, reasonCode, bankEventId, Timestamp.from(now))
                .update();
        publish(find(requestId).orElseThrow(), "funding." + outcome);
        return true;
    }

    /** An outcome for a request this wallet never made. */
    static final class UnknownRequestException extends RuntimeException {
        @Serial
        private static final long serialVersionUID = 1L;

        UnknownRequestException(UUID requestId) {
            super("no funding request " + requestId);
        }
    }

    Optional<FundingRequest> find(UUID id) {
        return jdbc.sql(SELECT + " WHERE id = ?")
                .param(id)
                .query((rs, n) -> request(rs))
                .optional();
    }

    Optional<FundingView> find(UUID userId, String kind, UUID id) {
        return find(id).filter(request ->
                        request.userId().equals(userId) && request.kind().equals(kind))
                .map(this::view);
    }

    record Page(List<FundingView> items, String nextCursor) {}

    Page list(UUID userId, String kind, int limit, String cursor) {
        if (limit < 1 || limit > MAX_PAGE_SIZE) {
            throw new ProblemException(
                    ProblemCode.VALIDATION_FAILED, "limit must be between 1 and " + MAX_PAGE_SIZE + ".");
        }
        UUID before = cursor == null ? null : Cursors.decode(cursor);
        List<FundingRequest> rows = jdbc.sql(SELECT + """
                         WHERE user_id = :user AND kind = :kind AND (CAST(:before AS uuid) IS NULL OR id < :before)
                        ORDER BY id DESC LIMIT :fetch""")
                .param("user", userId)
                .param("kind", kind)
                .param("before", before)
                .param("fetch", limit + 1)
                .query((rs, n) -> request(rs))
                .list();
        boolean more = rows.size() > limit;
        List<FundingRequest> page = more ? rows.subList(0, limit) : rows;
        return new Page(
                page.stream().map(this::view).toList(),
                more ? Cursors.encode(page.getLast().id()) : null);
    }

    FundingView view(FundingRequest request) {
        Currencies.Currency currency = currencies.require(request.currency());
        return new FundingView(
                request.id(),
                request.kind(),
                request.status(),
                request.bankAccountId(),
                currency.format(request.amountMinor()),
                request.kind().equals(FundingRequest.WITHDRAWAL) ? currency.format(request.feeMinor()) : null,
                currency.code(),
                request.speed(),
                request.reasonCode(),
                request.createdAt().toString(),
                request.updatedAt().toString());
    }

    private void publish(FundingRequest request, String type) {
        Currencies.Currency currency = currencies.require(request.currency());
        outbox.append(new Outbox.Event(
                FundingEvent.AGGREGATE,
                request.id().toString(),
                request.userId().toString(),
                type,
                FundingEvent.VERSION,
                new FundingEvent(
                        request.id(),
                        request.userId(),
                        request.kind(),
                        currency.format(request.amountMinor()),
                        currency.format(request.feeMinor()),
                        currency.code(),
                        request.status(),
                        request.reasonCode(),
                        request.updatedAt().toString())));
    }

    private ValidOrder validate(String kind, Order order) {
        UUID accountId;
        try {
            accountId = UUID.fromString(order.bankAccountId() == null ? "" : order.bankAccountId());
        } catch (IllegalArgumentException notUuid) {
            throw new ProblemException(
                    ProblemCode.VALIDATION_FAILED,
                    "bank_account_id must be the id of one of your linked bank accounts.");
        }
        if (order.currency() == null || !order.currency().matches("[A-Z]{3}")) {
            throw new ProblemException(
                    ProblemCode.VALIDATION_FAILED, "currency must be an ISO 4217 code such as \"USD\".");
        }
        Currencies.Currency currency = currencies
                .find(order.currency())
                .orElseThrow(() -> new ProblemException(
                        ProblemCode.CURRENCY_MISMATCH, "This wallet does not hold " + order.currency() + "."));
        if (order.amount() == null) {
            throw new ProblemException(
                    ProblemCode.VALIDATION_FAILED, "amount is required, as a decimal string such as \"50.00\".");
        }
        long amountMinor;
        try {
            amountMinor = currency.parse(order.amount());
        } catch (IllegalArgumentException bad) {
            throw new ProblemException(ProblemCode.INVALID_AMOUNT, bad.getMessage() + ".");
        }
        if (amountMinor == 0 || amountMinor > currency.maxTransferMinor()) {
            throw new ProblemException(
                    ProblemCode.INVALID_AMOUNT,
                    "amount must be above zero and at most " + currency.format(currency.maxTransferMinor()) + " "
                            + currency.code() + ".");
        }
        String speed = null;
        if (kind.equals(FundingRequest.WITHDRAWAL)) {
            speed = order.speed() == null ? "standard" : order.speed();
            if (!speed.equals("standard") && !speed.equals("instant")) {
                throw new ProblemException(ProblemCode.VALIDATION_FAILED, "speed must be standard or instant.");
            }
        } else if (order.speed() != null) {
            throw new ProblemException(ProblemCode.VALIDATION_FAILED, "speed applies to withdrawals only.");
        }
        return new ValidOrder(accountId, amountMinor, currency.code(), speed);
    }

    private Response problem(ProblemCode code, String detail) {
        return new Response(code.status(), problems.toBytes(Problem.of(code, detail)), false, null);
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    static final String SELECT = """
            SELECT id, user_id, kind, bank_account_id, amount_minor, currency, speed, fee_minor, status, reason_code, pending_transfer_id,
                   bank_transfer_id, submitted_at, bank_settled_at, created_at, updated_at FROM funding_requests""";

    static FundingRequest request(java.sql.ResultSet rs) throws java.sql.SQLException {
        return new FundingRequest(
                (UUID) rs.getObject("id"),
                (UUID) rs.getObject("user_id"),
                rs.getString("kind"),
                (UUID) rs.getObject("bank_account_id"),
                rs.getLong("amount_minor"),
                rs.getString("currency").strip(),
                rs.getString("speed"),
                rs.getLong("fee_minor"),
                rs.getString("status"),
                rs.getString("reason_code"),
                (UUID) rs.getObject("pending_transfer_id"),
                rs.getString("bank_transfer_id"),
                instant(rs.getTimestamp("submitted_at")),
                instant(rs.getTimestamp("bank_settled_at")),
                rs.getTimestamp("created_at").toInstant(),
                rs.getTimestamp("updated_at").toInstant());
    }

    private static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }
}
