package org.openwallet.transfer;

import jakarta.servlet.http.HttpServletResponse;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.openwallet.fraud.FraudCheck;
import org.openwallet.fraud.FraudDecision;
import org.openwallet.fraud.FraudRequest;
import org.openwallet.idempotency.IdempotencyFastPath;
import org.openwallet.idempotency.IdempotencyKeys;
import org.openwallet.idempotency.IdempotencyKeys.Claim;
import org.openwallet.idempotency.IdempotencyKeys.StoredResponse;
import org.openwallet.identity.AuthenticatedUser;
import org.openwallet.identity.UserDirectory;
import org.openwallet.identity.UserRef;
import org.openwallet.identity.Visibility;
import org.openwallet.ledger.Ledger;
import org.openwallet.ledger.LockedWallets;
import org.openwallet.ledger.TransferCommand;
import org.openwallet.ledger.TransferResult;
import org.openwallet.outbox.Outbox;
import org.openwallet.platform.money.Currencies;
import org.openwallet.platform.web.Problem;
import org.openwallet.platform.web.ProblemCode;
import org.openwallet.platform.web.ProblemException;
import org.openwallet.platform.web.ProblemHandler;
import org.openwallet.ratelimit.RateLimits;
import org.springframework.stereotype.Service;
import tools.jackson.databind.json.JsonMapper;

/**
 * The P2P transfer path: validate, then one ledger transaction that claims the Idempotency-Key,
 * moves the money and records the response, so a retry can never move money twice. Payments that
 * arrive together share that transaction and its commit ({@link TransferBatches}).
 *
 * <p>Malformed requests are refused before the transaction and are not remembered; every outcome
 * decided inside it (posted, insufficient funds, unknown recipient, ...) is remembered and replayed.
 *
 * <p>This class only pays; narrowing a payment's visibility later is {@link TransferVisibility}, and
 * reading one's transfers is {@link TransferHistory}.
 */
@Service
class Transfers {
    static final String OPERATION = "transfer.create";
    static final String KIND = "p2p";
    static final int MAX_NOTE_LENGTH = 280;

    private final TransferBatches batches;
    private final IdempotencyKeys idempotency;
    private final IdempotencyFastPath fastPath;
    private final FraudCheck fraud;
    private final Outbox outbox;
    private final UserDirectory users;
    private final TransferViews views;
    private final Currencies currencies;
    private final ProblemHandler problems;
    private final JsonMapper json;
    private final RateLimits rateLimits;

    Transfers(
            TransferBatches batches,
            IdempotencyKeys idempotency,
            IdempotencyFastPath fastPath,
            FraudCheck fraud,
            Outbox outbox,
            UserDirectory users,
            TransferViews views,
            Currencies currencies,
            ProblemHandler problems,
            JsonMapper json,
            RateLimits rateLimits) {
        this.rateLimits = rateLimits;
        this.outbox = outbox;
        this.batches = batches;
        this.idempotency = idempotency;
        this.fastPath = fastPath;
        this.fraud = fraud;
        this.users = users;
        this.views = views;
        this.currencies = currencies;
        this.problems = problems;
        this.json = json;
    }

    /** A response ready to send: its status and exact body, and whether it is a replay. */
    record Response(int status, byte[] body, boolean replayed) {}

    /**
     * The payment path, cheapest refusal first: validation; Redis, which answers most duplicates in
     * one round trip; the rate limits (whose RateLimit-* headers go on {@code headers}); the fraud
     * check; then one ledger transaction that claims the key for real, moves the money and records
     * the response. Whatever Redis or the fraud check reserved for a request that ends without a new
     * payment is given back.
     */
    Response create(
            AuthenticatedUser sender,
            String idempotencyKey,
            TransferRequest request,
            String ip,
            HttpServletResponse headers) {
        String key = IdempotencyKeys.requireValid(idempotencyKey);
        ValidRequest valid = validate(request);
        byte[] fingerprint = IdempotencyKeys.fingerprint(json.writeValueAsString(valid));
        IdempotencyFastPath.Claim fast = fastPath.claim(sender.userId(), OPERATION, key, fingerprint);
        switch (fast) {
            case IdempotencyFastPath.Claim.InProgress inProgress -> throw inProgress();
            case IdempotencyFastPath.Claim.Reused reused -> throw reused();
            case IdempotencyFastPath.Claim.Replay replay -> {
                return new Response(
                        replay.response().status(), replay.response().body(), true);
            }
            case IdempotencyFastPath.Claim.Claimed claimed -> {}
            case IdempotencyFastPath.Claim.Unavailable unavailable -> {}
        }
        FraudDecision decision = null;
        Response response = null;
        try {
            Optional<Response> earlier = admit(sender, key, fingerprint, ip, headers, fast);
            if (earlier.isPresent()) {
                response = earlier.get();
                fastPath.complete(
                        sender.userId(),
                        OPERATION,
                        key,
                        fingerprint,
                        new StoredResponse(response.status(), response.body()));
                return response;
            }
            // Looked up before the transaction: the lookup may ask Redis, and no network call may
            // wait while a database connection is held.
            Optional<UserRef> recipient =
                    valid.toUserId() != null ? users.refById(valid.toUserId()) : users.refByHandle(valid.toHandle());
            FraudRequest fraudRequest = recipient
                    .filter(found -> !found.id().equals(sender.userId()))
                    .map(found ->
                            new FraudRequest(sender.userId(), found.id(), valid.amountMinor(), valid.currency(), ip))
                    .orElse(null);
            FraudDecision assessed = fraudRequest == null ? null : fraud.assess(fraudRequest);
            decision = assessed;
            UUID recipientId = recipient.map(UserRef::id).orElse(null);
            response = batches.run(new TransferBatches.Payment(
                    sender.userId(),
                    recipientId,
                    valid.currency(),
                    new IdempotencyKeys.KeyRequest(sender.userId(), key, fingerprint),
                    (batch, claim) -> switch (claim) {
                        case Claim.InProgress inProgress -> throw inProgress();
                        case Claim.Reused reused -> throw reused();
                        case Claim.Replay replay ->
                            new Response(
                                    replay.response().status(),
                                    replay.response().body(),
                                    true);
                        case Claim.Proceed proceed -> {
                            Response fresh = execute(sender, valid, recipient, fraudRequest, assessed, batch);
                            idempotency.complete(
                                    sender.userId(),
                                    OPERATION,
                                    key,
                                    fingerprint,
                                    new StoredResponse(fresh.status(), fresh.body()));
                            yield fresh;
                        }
                    }));
            fastPath.complete(
                    sender.userId(),
                    OPERATION,
                    key,
                    fingerprint,
                    new StoredResponse(response.status(), response.body()));
            return response;
        } finally {
            if (response == null) {
                fastPath.release(fast);
            }
            if (decision != null && (response == null || response.replayed() || response.status() != 201)) {
                fraud.release(decision);
            }
        }
    }

    /**
     * The rate limits, after validation and the Redis duplicate check, so that a malformed request is
     * a 400 that costs no token and a retry Redis answered is never counted. A retry of a payment
     * that finished is answered with its stored response, never counted or refused: while Redis is
     * down PostgreSQL is asked before a token is taken, and when the bucket is empty PostgreSQL has
     * the last word (Redis may have forgotten the key) before the 429. Each costs one primary-key read.
     *
     * @return the stored response of the finished payment with this key; empty when the payment may go on
     * @throws ProblemException 429 {@code rate_limited}
     */
    private Optional<Response> admit(
            AuthenticatedUser sender,
            String key,
            byte[] fingerprint,
            String ip,
            HttpServletResponse headers,
            IdempotencyFastPath.Claim fast) {
        if (fast instanceof IdempotencyFastPath.Claim.Unavailable) {
            Optional<Response> done = finished(sender, key, fingerprint);
            if (done.isPresent()) {
                return done;
            }
            rateLimits.admitTransfer(sender.userId(), ip, headers).ifPresent(refusal -> {
                throw refusal.reject(headers);
            });
            return Optional.empty();
        }
        Optional<RateLimits.Refusal> refusal = rateLimits.admitTransfer(sender.userId(), ip, headers);
        if (refusal.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(finished(sender, key, fingerprint)
                .orElseThrow(() -> refusal.get().reject(headers)));
    }

    private Optional<Response> finished(AuthenticatedUser sender, String key, byte[] fingerprint) {
        return idempotency
                .finished(sender.userId(), OPERATION, key, fingerprint)
                .map(stored -> new Response(stored.status(), stored.body(), true));
    }

    private static ProblemException inProgress() {
        return new ProblemException(
                ProblemCode.IDEMPOTENCY_REQUEST_IN_PROGRESS,
                "The first request with this Idempotency-Key has not finished; retry shortly.");
    }

    private static ProblemException reused() {
        return new ProblemException(
                ProblemCode.IDEMPOTENCY_KEY_REUSED,
                "This Idempotency-Key was used for a different request; use a new key for a new payment.");
    }

    /** The request after validation, in canonical form: its JSON is what the fingerprint hashes. */
    record ValidRequest(
            UUID toUserId, String toHandle, long amountMinor, String currency, String note, Visibility visibility) {}

    private ValidRequest validate(TransferRequest request) {
        if ((request.toUserId() == null) == (request.toHandle() == null)) {
            throw invalid("Give exactly one of to_user_id and to_handle.");
        }
        UUID toUserId = null;
        if (request.toUserId() != null) {
            try {
                toUserId = UUID.fromString(request.toUserId());
            } catch (IllegalArgumentException notUuid) {
                throw invalid("to_user_id must be a user id (a UUID).");
            }
        }
        String toHandle = request.toHandle() == null ? null : request.toHandle().toLowerCase(java.util.Locale.ROOT);
        if (toHandle != null && !toHandle.matches("[a-z0-9_]{3,30}")) {
            throw invalid("to_handle must be 3 to 30 of a-z, 0-9 and _.");
        }
        if (request.currency() == null || !request.currency().matches("[A-Z]{3}")) {
            throw invalid("currency must be an ISO 4217 code such as \"USD\".");
        }
        Currencies.Currency currency = currencies
                .find(request.currency())
                .orElseThrow(() -> new ProblemException(
                        ProblemCode.CURRENCY_MISMATCH, "This wallet does not hold " + request.currency() + "."));
        if (request.amount() == null) {
            throw invalid("amount is required, as a decimal string such as \"12.50\".");
        }
        long amountMinor;
        try {
            amountMinor = currency.parse(request.amount());
        } catch (IllegalArgumentException badAmount) {
            throw new ProblemException(ProblemCode.INVALID_AMOUNT, badAmount.getMessage() + ".");
        }
        if (amountMinor == 0) {
            throw new ProblemException(ProblemCode.INVALID_AMOUNT, "amount must be greater than zero.");
        }
        if (amountMinor > currency.maxTransferMinor()) {
            throw new ProblemException(
                    ProblemCode.INVALID_AMOUNT,
                    "amount is above the maximum of " + currency.format(currency.maxTransferMinor()) + " "
                            + currency.code() + " per transfer.");
        }
        String note = request.note();
        if (note != null) {
            if (note.codePointCount(0, note.length()) > MAX_NOTE_LENGTH) {
                throw invalid("note must be at most " + MAX_NOTE_LENGTH + " characters.");
            }
            if (note.chars().anyMatch(c -> Character.isISOControl(c) && c != '\n' && c != '\t')) {
                throw invalid("note must not contain control characters.");
            }
            // An unpaired surrogate (a JSON string may escape one alone) is no character: PostgreSQL
            // would store it as '?', so the note read back would differ from the one the 201 showed.
            if (note.codePoints().anyMatch(c -> Character.getType(c) == Character.SURROGATE)) {
                throw invalid("note must be valid Unicode text.");
            }
        }
        Visibility visibility =
                request.visibility() == null ? null : Visibility.parse("visibility", request.visibility());
        return new ValidRequest(toUserId, toHandle, amountMinor, currency.code(), note, visibility);
    }

    /** Runs inside the batch's transaction; every outcome here is remembered under the Idempotency-Key. */
    private Response execute(
            AuthenticatedUser sender,
            ValidRequest request,
            Optional<UserRef> recipient,
            FraudRequest fraudRequest,
            FraudDecision decision,
            TransferBatches.Batch batch) {
        LockedWallets wallets = batch.wallets();
        if (recipient.isEmpty()) {
            return problem(
                    ProblemCode.RECIPIENT_NOT_FOUND,
                    "No user " + (request.toHandle() != null ? "@" + request.toHandle() : request.toUserId()) + ".");
        }
        if (recipient.get().id().equals(sender.userId())) {
            return problem(ProblemCode.SELF_TRANSFER, "You cannot pay yourself.");
        }
        Optional<UUID> from = wallets.walletOf(sender.userId());
        Optional<UUID> to = wallets.walletOf(recipient.get().id());
        if (from.isEmpty() || to.isEmpty()) {
            return problem(
                    ProblemCode.CURRENCY_MISMATCH,
                    (from.isEmpty() ? "You have" : "@" + recipient.get().handle() + " has") + " no wallet in "
                            + request.currency() + ".");
        }
        if (!decision.allowed()) {
            fraud.record(decision, fraudRequest, null);
            return declined(decision.reason());
        }
        // The hard rules hold whatever the fraud check had time for (it may have timed out and
        // allowed by default): checked here, with the wallets locked, for every payment.
        Optional<String> refused =
                batch.hardRules().refusal(sender.userId(), recipient.get().id(), fraudRequest.ip());
        if (refused.isPresent()) {
            fraud.record(decision, fraudRequest, refused.get());
            return declined(refused.get());
        }
        Visibility visibility = request.visibility() != null
                ? request.visibility()
                : batch.defaultVisibility(sender.userId())
                        .map(TransferViews::stored)
                        .orElse(Visibility.DEFAULT);
        TransferResult result = wallets.post(
                sender.userId(),
                recipient.get().id(),
                new TransferCommand(
                        from.get(),
                        to.get(),
                        request.amountMinor(),
                        request.currency(),
                        KIND,
                        null,
                        request.note(),
                        visibility.toString()),
                new Ledger.SendingLimit(fraud.weeklyWindow(), decision.weeklyLimitMinor()));
        fraud.record(
                decision,
                fraudRequest,
                result instanceof TransferResult.LimitExceeded ? FraudCheck.WEEKLY_LIMIT_EXCEEDED : null);
        return switch (result) {
            case TransferResult.Posted posted -> {
                TransferView view = views.of(
                        posted.transfer(),
                        Map.of(
                                sender.userId(),
                                sender.handle(),
                                recipient.get().id(),
                                recipient.get().handle()),
                        null);
                outbox.append(new Outbox.Event(
                        "transfer",
                        view.id().toString(),
                        sender.userId().toString(),
                        TransferPosted.TYPE,
                        TransferPosted.VERSION,
                        new TransferPosted(
                                view.id(),
                                view.fromUserId(),
                                view.fromHandle(),
                                view.toUserId(),
                                view.toHandle(),
                                view.amount(),
                                view.currency(),
                                view.note(),
                                view.visibility(),
                                view.createdAt())));
                yield new Response(201, json.writeValueAsBytes(view), false);
            }
            case TransferResult.InsufficientFunds insufficient -> {
                Currencies.Currency currency = currencies.require(request.currency());
                yield problem(
                        ProblemCode.INSUFFICIENT_FUNDS,
                        "Available balance is " + currency.format(insufficient.availableMinor()) + " " + currency.code()
                                + "; this payment needs " + currency.format(request.amountMinor()) + " "
                                + currency.code() + ".");
            }
            case TransferResult.LimitExceeded exceeded -> declined(FraudCheck.WEEKLY_LIMIT_EXCEEDED);
            case TransferResult.InDebt inDebt ->
                problem(
                        ProblemCode.ACCOUNT_IN_DEBT,
                        Ledger.debtRefusal(currencies.require(request.currency()), inDebt.debtMinor()));
            case TransferResult.AlreadyPosted alreadyPosted ->
                throw new IllegalStateException("a P2P transfer has no reference, yet one was found: " + alreadyPosted);
        };
    }

    /** 403 {@code transfer_declined} with the reason code; the detail does not say how to get under a limit. */
    private Response declined(String reason) {
        Problem problem = Problem.of(ProblemCode.TRANSFER_DECLINED, "This payment was declined (" + reason + ").")
                .withReason(reason);
        return new Response(problem.status(), problems.toBytes(problem), false);
    }

    private Response problem(ProblemCode code, String detail) {
        return new Response(code.status(), problems.toBytes(Problem.of(code, detail)), false);
    }

    private static ProblemException invalid(String detail) {
        return new ProblemException(ProblemCode.VALIDATION_FAILED, detail);
    }
}
