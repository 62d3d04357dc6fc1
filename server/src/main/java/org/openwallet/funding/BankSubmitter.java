package org.openwallet.funding;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.openwallet.fraud.Freezes;
import org.openwallet.platform.config.WalletProperties;
import org.openwallet.platform.database.Transactions;
import org.openwallet.platform.money.Currencies;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Sends committed requests to the bank: at once after the commit, and again from a sweep for any
 * the bank has not accepted yet (it was down, or this process died in between). The request id is
 * the bank's idempotency key, so sending one twice is harmless. No database connection is held
 * while the bank is called.
 *
 * <p>Each request backs off on its own: after a failed submission its next attempt is set later
 * (doubling, see {@link SubmissionProperties}), and the sweep takes only requests that are due,
 * so one that fails every time is neither retried in a tight loop nor in the way of the requests
 * behind it. A submission that throws before the order reaches the bank (an account number that
 * no longer decrypts, an order that cannot be built) will most likely throw again: after
 * {@code max-failures} of them the request fails, its hold is released through the same path as a
 * bank's refusal, and operators are alerted (the counter {@code wallet.funding.submissions.abandoned}
 * and an ERROR line). Once the bank may hold the order, the request is never failed here: a bank
 * that does not answer gets the same order again, with the same id, until it answers, however long
 * that takes; a 2xx answer that cannot be read is the bank's acceptance all the same (counted in
 * {@code wallet.funding.submissions.unreadable}), since failing it would release a hold the bank pays
 * out. Reconciliation reports a request pending too long.
 */
@Component
class BankSubmitter {
    private static final Logger log = LoggerFactory.getLogger(BankSubmitter.class);
    /** Younger requests are left to the submission right after their commit. */
    static final Duration SWEEP_GRACE = Duration.ofSeconds(2);
    /** The reason code of a request failed because it could not be submitted. */
    static final String SUBMISSION_FAILED = "submission_failed";

    private final BankNetwork bank;
    private final BankAccounts accounts;
    private final Funding funding;
    private final Transactions transactions;
    private final JdbcClient jdbc;
    private final Currencies currencies;
    private final Clock clock;
    private final SubmissionProperties settings;
    private final Counter abandoned;
    private final Counter duplicates;
    private final Counter unreadable;
    private final boolean enabled;
    private final Freezes freezes;

    BankSubmitter(
            BankNetwork bank,
            BankAccounts accounts,
            Funding funding,
            Transactions transactions,
            JdbcClient jdbc,
            Currencies currencies,
            Clock clock,
            WalletProperties properties,
            SubmissionProperties settings,
            MeterRegistry meters,
            Freezes freezes) {
        this.freezes = freezes;
        this.bank = bank;
        this.accounts = accounts;
        this.funding = funding;
        this.transactions = transactions;
        this.jdbc = jdbc;
        this.currencies = currencies;
        this.clock = clock;
        this.settings = settings;
        this.abandoned = Counter.builder("wallet.funding.submissions.abandoned")
                .description(
                        "Funding requests failed because their submission to the bank kept failing; each needs an operator's look")
                .register(meters);
        this.duplicates = Counter.builder("wallet.funding.submissions.duplicate")
                .description("Submissions the bank answered with an order it already held under the same request id")
                .register(meters);
        this.unreadable = Counter.builder("wallet.funding.submissions.unreadable")
                .description(
                        "Orders the bank accepted with an answer naming no bank transfer id; each needs an operator's look")
                .register(meters);
        this.enabled = properties.runs("api");
    }

    /** Sends the request in the background; the API answers 202 without waiting for the bank. */
    void submitSoon(UUID requestId) {
        Thread.ofVirtual().name("bank-submit-" + requestId).start(() -> submit(requestId));
    }

    @Scheduled(
            initialDelayString = "${wallet.funding.sweep-interval:5s}",
            fixedDelayString = "${wallet.funding.sweep-interval:5s}")
    void sweep() {
        if (!enabled) {
            return;
        }
        dueForSubmission().forEach(this::submit);
    }

    /**
     * The requests whose (next) submission is due, the longest due first, at most a batch. A request
     * backing off is not due, so it cannot occupy the batch; a fresh one is left alone for
     * {@link #SWEEP_GRACE}, to the submission right after its commit.
     */
    List<UUID> dueForSubmission() {
        Instant now = clock.instant();
        return jdbc.sql("""
                SELECT id FROM funding_requests
                 WHERE submitted_at IS NULL AND status = 'pending'
                   AND coalesce(next_attempt_at, created_at) <= :now
                   AND (next_attempt_at IS NOT NULL OR created_at < :grace)
                 ORDER BY coalesce(next_attempt_at, created_at) LIMIT :batch
                """)
                .param("now", Timestamp.from(now))
                .param("grace", Timestamp.from(now.minus(SWEEP_GRACE)))
                .param("batch", settings.sweepBatch())
                .query(UUID.class)
                .list();
    }

    void submit(UUID requestId) {
        BankNetwork.Submission answer;
        try {
            Optional<FundingRequest> found = funding.find(requestId);
            if (found.isEmpty()
                    || !found.get().status().equals(FundingRequest.PENDING)
                    || found.get().submittedAt() != null) {
                return;
            }
            FundingRequest request = found.get();
            if (request.kind().equals(FundingRequest.WITHDRAWAL) && freezes.isFrozen(request.userId())) {
                // No money leaves a frozen account, not even a withdrawal asked for before the freeze:
                // it waits, held, and goes out once the user is unfrozen (or an admin decides otherwise).
                backOff(requestId, "the user is frozen", false);
                return;
            }
            BankAccounts.Destination destination = accounts.destination(request.bankAccountId());
            answer = bank.submit(new BankNetwork.Order(
                    request.id(),
                    request.kind().equals(FundingRequest.DEPOSIT)
                            ? BankNetwork.Direction.DEBIT
                            : BankNetwork.Direction.CREDIT,
                    destination.routingNumber(),
                    destination.accountNumber(),
                    destination.holderName(),
                    currencies.require(request.currency()).format(request.amountMinor()),
                    request.currency()));
        } catch (RuntimeException failure) {
            failed(requestId, failure);
            return;
        }
        try {
            switch (answer) {
                case BankNetwork.Submission.Accepted accepted -> {
                    if (accepted.bankTransferId() == null) {
                        // Not a failure to retry or count: the bank has the order. The webhook names its
                        // id; without one, reconciliation reports the request stuck. An operator looks.
                        unreadable.increment();
                        log.error(
                                "The bank accepted funding request {} with an answer that names no bank transfer id",
                                requestId);
                    }
                    accepted(requestId, accepted.bankTransferId());
                }
                case BankNetwork.Submission.AlreadyAccepted duplicate -> {
                    // Our id, so our order: an earlier send whose answer never reached us (with, oddly,
                    // other fields: the webhook's amount check and reconciliation compare them).
                    duplicates.increment();
                    log.warn(
                            "The bank already holds an order for funding request {} ({}); taken as accepted: {}",
                            requestId,
                            duplicate.bankTransferId(),
                            duplicate.detail());
                    accepted(requestId, duplicate.bankTransferId());
                }
                case BankNetwork.Submission.Rejected rejected -> {
                    log.warn("The bank rejected funding request {}: {}", requestId, rejected.reason());
                    transactions.run(() ->
                            funding.applyOutcome(requestId, FundingRequest.FAILED, "rejected", null, clock.instant()));
                }
                case BankNetwork.Submission.Unavailable unavailable -> backOff(requestId, unavailable.reason(), false);
            }
        } catch (RuntimeException failure) {
            // Recording the answer failed (the database is away): the sweep sends it again, which the bank takes as the
            // same order.
            log.error("Recording the bank's answer for funding request {} failed", requestId, failure);
        }
    }

    private void accepted(UUID requestId, String bankTransferId) {
        jdbc.sql("""
                        UPDATE funding_requests SET submitted_at = ?, bank_transfer_id = ?, submit_attempts = submit_attempts + 1,
                               last_submit_error = NULL, next_attempt_at = NULL
                         WHERE id = ? AND submitted_at IS NULL""")
                .params(Timestamp.from(clock.instant()), bankTransferId, requestId)
                .update();
    }

    /** A submission threw: counted, backed off, and after too many such failures the request fails with its hold released. */
    private void failed(UUID requestId, RuntimeException failure) {
        if (failure instanceof TransientDataAccessException || failure instanceof DataAccessResourceFailureException) {
            // The database, not the request: nothing to count against it; the sweep tries again.
            log.warn("Submitting funding request {} failed on the database: {}", requestId, failure.toString());
            return;
        }
        try {
            transactions.run(() -> {
                Integer failures = backOff(requestId, failure.toString(), true);
                if (failures != null && failures >= settings.maxFailures()) {
                    if (funding.applyOutcome(
                            requestId, FundingRequest.FAILED, SUBMISSION_FAILED, null, clock.instant())) {
                        abandoned.increment();
                        log.error(
                                "Funding request {} failed after {} submissions to the bank that threw; its hold is released. "
                                        + "Last failure: {}",
                                requestId,
                                failures,
                                failure.toString(),
                                failure);
                    }
                } else {
                    log.error(
                            "Submitting funding request {} failed ({} of {}); it is tried again later",
                            requestId,
                            failures,
                            settings.maxFailures(),
                            failure);
                }
                return null;
            });
        } catch (RuntimeException notRecorded) {
            log.error("Submitting funding request {} failed, and so did recording it", requestId, notRecorded);
        }
    }

    /**
     * Counts an attempt and sets the next one later: the initial backoff, doubled per earlier attempt,
     * at most the maximum. Returns the request's failures so far, or null if it is no longer waiting.
     */
    private Integer backOff(UUID requestId, String error, boolean threw) {
        return jdbc.sql("""
                UPDATE funding_requests
                   SET submit_attempts = submit_attempts + 1, submit_failures = submit_failures + :failure, last_submit_error = :error,
                       next_attempt_at = CAST(:now AS timestamptz)
                           + make_interval(secs => least(:initial * power(2, least(submit_attempts, 30)), :max))
                 WHERE id = :id AND status = 'pending' AND submitted_at IS NULL
                RETURNING submit_failures""")
                .param("failure", threw ? 1 : 0)
                .param("error", abbreviate(error))
                .param("now", Timestamp.from(clock.instant()))
                .param("initial", seconds(settings.backoffInitial()))
                .param("max", seconds(settings.backoffMax()))
                .param("id", requestId)
                .query(Integer.class)
                .optional()
                .orElse(null);
    }

    private static double seconds(Duration duration) {
        return duration.toNanos() / 1e9;
    }

    private static String abbreviate(String text) {
        return text.length() <= 1000 ? text : text.substring(0, 1000) + "…";
    }
}
