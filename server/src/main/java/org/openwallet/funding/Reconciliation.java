package org.openwallet.funding;

import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.openwallet.platform.Ids;
import org.openwallet.platform.config.WalletProperties;
import org.openwallet.platform.database.Transactions;
import org.openwallet.platform.money.Currencies;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Service;

/**
 * Compares the bank's settlement report of a day with the ledger's settled requests of that day,
 * and lists every difference: settled at the bank but not here, settled here but not at the bank,
 * different amounts, late returns the bank reported and the ledger did not reverse or the other way
 * round ({@link LateReturns#reconcile}), requests still pending past {@code wallet.funding.stuck-after}, and
 * signed bank events flagged that day because they did not match their request. Runs daily
 * for yesterday (UTC) and on demand; each run and its differences are kept for admins, and the
 * counts are metrics.
 */
@Service
class Reconciliation {
    private static final Logger log = LoggerFactory.getLogger(Reconciliation.class);
    /** The most stuck requests or flagged events one run lists (each kind). */
    static final int MAX_LISTED = 1000;

    private final BankNetwork bank;
    private final JdbcClient jdbc;
    private final Transactions transactions;
    private final Currencies currencies;
    private final FundingProperties properties;
    private final Clock clock;
    private final MeterRegistry meters;
    private final FlaggedBankEvents flagged;
    private final boolean scheduled;
    private final Map<String, AtomicLong> lastCounts = new HashMap<>();
    private final LateReturns lateReturns;

    Reconciliation(
            BankNetwork bank,
            JdbcClient jdbc,
            Transactions transactions,
            Currencies currencies,
            FundingProperties properties,
            Clock clock,
            MeterRegistry meters,
            WalletProperties wallet,
            FlaggedBankEvents flagged,
            LateReturns lateReturns) {
        this.flagged = flagged;
        this.bank = bank;
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.currencies = currencies;
        this.properties = properties;
        this.clock = clock;
        this.meters = meters;
        this.scheduled = wallet.runs("api");
        this.lateReturns = lateReturns;
        for (String kind : List.of(
                Difference.MISSING_IN_LEDGER,
                Difference.MISSING_AT_BANK,
                Difference.AMOUNT_MISMATCH,
                Difference.STUCK_PENDING,
                Difference.FLAGGED_BANK_EVENT)) {
            AtomicLong count = new AtomicLong();
            lastCounts.put(kind, count);
            meters.gauge(
                    "wallet.reconciliation.differences",
                    List.of(io.micrometer.core.instrument.Tag.of("kind", kind)),
                    count);
        }
    }

    record Difference(
            String kind,
            UUID requestId,
            String bankTransferId,
            Long bankAmountMinor,
            Long ledgerAmountMinor,
            String detail) {
        static final String MISSING_IN_LEDGER = "missing_in_ledger";
        static final String MISSING_AT_BANK = "missing_at_bank";
        static final String AMOUNT_MISMATCH = "amount_mismatch";
        static final String STUCK_PENDING = "stuck_pending";
        /** A signed bank event that did not match its request, flagged on that day and applied to nothing. */
        static final String FLAGGED_BANK_EVENT = "flagged_bank_event";
    }

    record Run(
            UUID id,
            LocalDate businessDate,
            String triggeredBy,
            Instant startedAt,
            Instant finishedAt,
            int bankItems,
            int ledgerItems,
            List<Difference> differences) {}

    @Scheduled(cron = "${wallet.funding.reconcile-cron:0 30 2 * * *}", zone = "UTC")
    void daily() {
        if (scheduled) {
            run(LocalDate.now(clock.withZone(ZoneOffset.UTC)).minusDays(1), "schedule");
        }
    }

    /** Reconciles one business day; only one run at a time across all nodes (a later one waits). */
    Run run(LocalDate date, String triggeredBy) {
        Instant started = clock.instant();
        List<BankNetwork.Settled> bankItems = bank.settlementReport(date);
        List<BankNetwork.Returned> bankReturns = bank.returnReport(date);
        // Operator work without the payment path's timeouts: the lock waits for a run in progress on
        // another node, and a busy day's scans may take longer than a payment's statement may.
        return transactions.runWithoutStatementLimits(() -> {
            jdbc.sql("SELECT pg_advisory_xact_lock(hashtextextended('reconciliation', 0))")
                    .query((rs, n) -> 1)
                    .list();
            Instant dayStart = date.atStartOfDay(ZoneOffset.UTC).toInstant();
            Map<UUID, FundingRequest> settledHere = new HashMap<>();
            // A deposit returned late did settle that day (the bank's report keeps it): it is matched here, its return
            // below.
            jdbc.sql(
                            Funding.SELECT
                                    + " WHERE status IN ('settled', 'returned') AND bank_settled_at >= ? AND bank_settled_at < ?")
                    .params(Timestamp.from(dayStart), Timestamp.from(dayStart.plusSeconds(86_400)))
                    .query((rs, n) -> Funding.request(rs))
                    .list()
                    .forEach(request -> settledHere.put(request.id(), request));
            List<Difference> differences = new ArrayList<>();
            for (BankNetwork.Settled item : bankItems) {
                long bankMinor = currencies.require(item.currency()).parse(item.amount());
                FundingRequest here = item.requestId() == null ? null : settledHere.remove(item.requestId());
                if (here == null) {
                    Optional<FundingRequest> known = item.requestId() == null
                            ? Optional.empty()
                            : jdbc.sql(Funding.SELECT + " WHERE id = ?")
                                    .param(item.requestId())
                                    .query((rs, n) -> Funding.request(rs))
                                    .optional();
                    differences.add(new Difference(
                            Difference.MISSING_IN_LEDGER,
                            item.requestId(),
                            item.bankTransferId(),
                            bankMinor,
                            known.map(FundingRequest::amountMinor).orElse(null),
                            known.map(request -> "the bank settled it; the ledger has it " + request.status()
                                            + (request.bankSettledAt() != null ? " on " + request.bankSettledAt() : ""))
                                    .orElse("the bank settled a request this wallet never made")));
                } else if (here.amountMinor() != bankMinor) {
                    differences.add(new Difference(
                            Difference.AMOUNT_MISMATCH,
                            item.requestId(),
                            item.bankTransferId(),
                            bankMinor,
                            here.amountMinor(),
                            "the bank settled " + item.amount() + ", the ledger "
                                    + currencies.require(here.currency()).format(here.amountMinor())));
                }
            }
            differences.addAll(lateReturns.reconcile(date, bankReturns));
            for (FundingRequest missing : settledHere.values()) {
                differences.add(new Difference(
                        Difference.MISSING_AT_BANK,
                        missing.id(),
                        missing.bankTransferId(),
                        null,
                        missing.amountMinor(),
                        "settled in the ledger, absent from the bank's report"));
            }
            jdbc.sql(Funding.SELECT + " WHERE status = 'pending' AND created_at < ? ORDER BY created_at LIMIT "
                            + MAX_LISTED)
                    .param(Timestamp.from(clock.instant().minus(properties.stuckAfter())))
                    .query((rs, n) -> Funding.request(rs))
                    .list()
                    .forEach(stuck -> differences.add(new Difference(
                            Difference.STUCK_PENDING,
                            stuck.id(),
                            stuck.bankTransferId(),
                            null,
                            stuck.amountMinor(),
                            "pending since " + stuck.createdAt())));
            for (FlaggedBankEvents.Flagged event :
                    flagged.flaggedBetween(dayStart, dayStart.plusSeconds(86_400), MAX_LISTED)) {
                Optional<FundingRequest> asked = jdbc.sql(Funding.SELECT + " WHERE id = ?")
                        .param(event.requestId())
                        .query((rs, n) -> Funding.request(rs))
                        .optional();
                differences.add(new Difference(
                        Difference.FLAGGED_BANK_EVENT,
                        event.requestId(),
                        event.bankTransferId(),
                        minorOrNull(event.currency(), event.amount()),
                        asked.map(FundingRequest::amountMinor).orElse(null),
                        "bank event " + event.eventId() + " not applied (" + event.mismatch() + "): "
                                + event.detail()));
            }
            Run run = new Run(
                    Ids.next(),
                    date,
                    triggeredBy,
                    started,
                    clock.instant(),
                    bankItems.size(),
                    bankItems.size()
                            - (int) differences.stream()
                                    .filter(d -> d.kind().equals(Difference.MISSING_IN_LEDGER))
                                    .count()
                            + (int) differences.stream()
                                    .filter(d -> d.kind().equals(Difference.MISSING_AT_BANK))
                                    .count(),
                    differences);
            store(run);
            lastCounts.forEach((kind, count) -> count.set(
                    differences.stream().filter(d -> d.kind().equals(kind)).count()));
            differences.forEach(d -> meters.counter("wallet.reconciliation.differences.found", "kind", d.kind())
                    .increment());
            log.info(
                    "Reconciliation of {} ({}): {} bank items, {} late returns, {} differences",
                    date,
                    triggeredBy,
                    bankItems.size(),
                    bankReturns.size(),
                    differences.size());
            return run;
        });
    }

    private Long minorOrNull(String currency, String amount) {
        try {
            return currencies.find(currency).map(found -> found.parse(amount)).orElse(null);
        } catch (IllegalArgumentException unreadable) {
            return null;
        }
    }

    private void store(Run run) {
        jdbc.sql("""
                INSERT INTO reconciliation_runs (id, business_date, triggered_by, started_at, finished_at, bank_items, ledger_items, differences)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)""")
                .params(
                        run.id(),
                        run.businessDate(),
                        run.triggeredBy(),
                        Timestamp.from(run.startedAt()),
                        Timestamp.from(run.finishedAt()),
                        run.bankItems(),
                        run.ledgerItems(),
                        run.differences().size())
                .update();
        int seq = 0;
        for (Difference difference : run.differences()) {
            jdbc.sql("""
                    INSERT INTO reconciliation_differences (run_id, seq, kind, request_id, bank_transfer_id, bank_amount_minor, ledger_amount_minor, detail)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)""")
                    .params(
                            run.id(),
                            seq++,
                            difference.kind(),
                            difference.requestId(),
                            difference.bankTransferId(),
                            difference.bankAmountMinor(),
                            difference.ledgerAmountMinor(),
                            difference.detail())
                    .update();
        }
    }

    Optional<Run> find(UUID id) {
        return jdbc.sql(
                        "SELECT id, business_date, triggered_by, started_at, finished_at, bank_items, ledger_items FROM reconciliation_runs WHERE id = ?")
                .param(id)
                .query((rs, n) -> new Run(
                        (UUID) rs.getObject(1),
                        rs.getObject(2, LocalDate.class),
                        rs.getString(3),
                        rs.getTimestamp(4).toInstant(),
                        rs.getTimestamp(5).toInstant(),
                        rs.getInt(6),
                        rs.getInt(7),
                        differences((UUID) rs.getObject(1))))
                .optional();
    }

    List<Run> recent(int limit) {
        return jdbc
                .sql("SELECT id FROM reconciliation_runs ORDER BY started_at DESC LIMIT ?")
                .param(limit)
                .query(UUID.class)
                .list()
                .stream()
                .map(id -> find(id).orElseThrow())
                .toList();
    }

    private List<Difference> differences(UUID runId) {
        return jdbc.sql("""
                SELECT kind, request_id, bank_transfer_id, bank_amount_minor, ledger_amount_minor, detail FROM reconciliation_differences
                 WHERE run_id = ? ORDER BY seq""")
                .param(runId)
                .query((rs, n) -> new Difference(
                        rs.getString(1),
                        (UUID) rs.getObject(2),
                        rs.getString(3),
                        (Long) rs.getObject(4),
                        (Long) rs.getObject(5),
                        rs.getString(6)))
                .list();
    }
}
