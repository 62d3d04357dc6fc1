package org.openwallet.funding;

import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.openwallet.platform.config.WalletProperties;
import org.openwallet.platform.database.Transactions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Asks the bank about requests whose outcome is overdue: accepted more than
 * {@code wallet.funding.submission.overdue-after} ago and no webhook since (it was lost, or the bank
 * gave up delivering it). The bank's answer is applied through {@link Funding#applyOutcome}, the
 * same exactly-once transition a webhook takes: whichever of the two comes first decides the
 * request, the other finds it decided and changes nothing. An answer that does not match the
 * request is not applied: the same rules as a webhook's ({@link FlaggedBankEvents}: direction,
 * amount, currency, the bank's transfer id, and here the request id) decide, such an answer is
 * flagged and counted as a webhook's would be, and the request stays pending for reconciliation
 * to report.
 */
@Component
class OverdueRequests {
    private static final Logger log = LoggerFactory.getLogger(OverdueRequests.class);
    /** Recorded as the transition's bank event id, so a reader sees the outcome came from a status query, not a webhook. */
    static final String SOURCE_PREFIX = "status-query:";

    private final BankNetwork bank;
    private final Funding funding;
    private final Transactions transactions;
    private final JdbcClient jdbc;
    private final FlaggedBankEvents flagged;
    private final JsonMapper json;
    private final Clock clock;
    private final SubmissionProperties settings;
    private final MeterRegistry meters;
    private final boolean enabled;

    OverdueRequests(
            BankNetwork bank,
            Funding funding,
            Transactions transactions,
            JdbcClient jdbc,
            FlaggedBankEvents flagged,
            JsonMapper json,
            Clock clock,
            SubmissionProperties settings,
            MeterRegistry meters,
            WalletProperties properties) {
        this.bank = bank;
        this.funding = funding;
        this.transactions = transactions;
        this.jdbc = jdbc;
        this.flagged = flagged;
        this.json = json;
        this.clock = clock;
        this.settings = settings;
        this.meters = meters;
        this.enabled = properties.runs("api");
    }

    private record Overdue(UUID requestId, String bankTransferId) {}

    @Scheduled(
            initialDelayString = "${wallet.funding.status-query-interval:1m}",
            fixedDelayString = "${wallet.funding.status-query-interval:1m}")
    void askAboutOverdue() {
        if (!enabled) {
            return;
        }
        Instant now = clock.instant();
        List<Overdue> overdue = jdbc.sql("""
                SELECT id, bank_transfer_id FROM funding_requests
                 WHERE submitted_at IS NOT NULL AND status = 'pending' AND bank_transfer_id IS NOT NULL
                   AND ((status_checked_at IS NULL AND submitted_at <= :overdue) OR status_checked_at <= :again)
                 ORDER BY coalesce(status_checked_at, submitted_at) LIMIT :batch
                """)
                .param("overdue", Timestamp.from(now.minus(settings.overdueAfter())))
                .param("again", Timestamp.from(now.minus(settings.statusQueryEvery())))
                .param("batch", settings.statusQueryBatch())
                .query((rs, n) -> new Overdue((UUID) rs.getObject(1), rs.getString(2)))
                .list();
        for (Overdue request : overdue) {
            try {
                ask(request, now);
            } catch (RuntimeException failure) {
                log.error("Asking the bank about overdue funding request {} failed", request.requestId(), failure);
            }
        }
    }

    private void ask(Overdue overdue, Instant now) {
        // Marked before the call (no connection is held while the bank answers): a request whose query
        // keeps failing is asked again only after status-query-every, not in every round.
        jdbc.sql("UPDATE funding_requests SET status_checked_at = ? WHERE id = ?")
                .params(Timestamp.from(now), overdue.requestId())
                .update();
        BankNetwork.TransferState state = bank.status(overdue.bankTransferId());
        String result = switch (state) {
            case BankNetwork.TransferState.InFlight inFlight -> "in_flight";
            case BankNetwork.TransferState.Unknown unknown -> {
                log.warn(
                        "The bank does not know transfer {} of overdue funding request {}; reconciliation will report it",
                        overdue.bankTransferId(),
                        overdue.requestId());
                yield "unknown";
            }
            case BankNetwork.TransferState.Unavailable unavailable -> {
                log.warn(
                        "Asking the bank about funding request {} failed: {}",
                        overdue.requestId(),
                        unavailable.reason());
                yield "unavailable";
            }
            case BankNetwork.TransferState.Completed completed -> apply(overdue, completed);
        };
        meters.counter("wallet.funding.status_queries", "result", result).increment();
    }

    private String apply(Overdue overdue, BankNetwork.TransferState.Completed completed) {
        if (!overdue.requestId().equals(completed.requestId())
                || completed.bankTransferId() == null
                || completed.amount() == null
                || completed.currency() == null) {
            log.error(
                    "The bank's status of transfer {} ({} {} {} for request {}) is not about funding request {}; not applied",
                    completed.bankTransferId(),
                    completed.direction(),
                    completed.amount(),
                    completed.currency(),
                    completed.requestId(),
                    overdue.requestId());
            return "mismatch";
        }
        // The answer is held to the webhook's rules (direction, amount, currency, the bank's transfer id),
        // and one that breaks them is flagged the same way, once per transfer, for reconciliation to report.
        BankEvent answer = new BankEvent(
                SOURCE_PREFIX + completed.bankTransferId(),
                "transfer." + completed.outcome(),
                completed.bankTransferId(),
                completed.requestId().toString(),
                completed.direction(),
                completed.amount(),
                completed.currency(),
                completed.reasonCode(),
                completed.completedAt());
        String result = transactions.run(() -> {
            Optional<FlaggedBankEvents.Mismatch> mismatch = flagged.check(overdue.requestId(), answer);
            if (mismatch.isPresent()) {
                flagged.flag(overdue.requestId(), answer, mismatch.get(), json.valueToTree(completed));
                return "mismatch";
            }
            return funding.applyOutcome(
                            overdue.requestId(),
                            completed.outcome(),
                            completed.reasonCode(),
                            answer.eventId(),
                            completed.completedAt())
                    ? "applied"
                    : "already_decided";
        });
        if (result.equals("applied")) {
            log.info(
                    "Funding request {} is {} by the bank's status query; its webhook never came",
                    overdue.requestId(),
                    completed.outcome());
        }
        return result;
    }
}
