package org.openwallet.funding;

import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.openwallet.ledger.Ledger;
import org.openwallet.platform.money.Currencies;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Deposits the bank takes back after they settled. A real ACH debit can be returned days after it
 * settled (up to 60 days for R10, unauthorized), when the money has long been spendable and perhaps
 * spent. A late return therefore never voids anything: it posts a reversal, new transfers back to
 * bank clearing, that take what the wallet still has and book the rest as the user's debt
 * ({@link Ledger#reverseReturnedDeposit}); the ledger then refuses the user's payments and
 * withdrawals and makes every incoming credit repay the debt first. The request moves
 * {@code settled -> returned} with the bank's reason code, and the return is kept in
 * {@code funding_late_returns} for reconciliation against the bank's report of returns.
 */
@Component
class LateReturns {
    private static final Logger log = LoggerFactory.getLogger(LateReturns.class);
    static final String REFERENCE_PREFIX = "late-return:";

    private final JdbcClient jdbc;
    private final Ledger ledger;
    private final Currencies currencies;
    private final Clock clock;
    private final MeterRegistry meters;

    LateReturns(JdbcClient jdbc, Ledger ledger, Currencies currencies, Clock clock, MeterRegistry meters) {
        this.jdbc = jdbc;
        this.ledger = ledger;
        this.currencies = currencies;
        this.clock = clock;
        this.meters = meters;
    }

    /** Whether the bank's {@code outcome} for {@code request} is a late return: a deposit that settled, now returned. */
    static boolean isLateReturn(FundingRequest request, String outcome) {
        return request.kind().equals(FundingRequest.DEPOSIT)
                && request.status().equals(FundingRequest.SETTLED)
                && outcome.equals(FundingRequest.RETURNED);
    }

    /**
     * Reverses the settled deposit {@code request}, locked by the caller, in the caller's
     * transaction: the ledger's reversal, the return's record, the request's new status and its
     * transition. Called once per request: the caller sees it {@code returned} afterwards.
     */
    void apply(FundingRequest request, String reasonCode, String bankEventId, Instant returnedAt) {
        Ledger.Reversal reversal = ledger.reverseReturnedDeposit(
                request.userId(),
                SystemAccounts.bankClearing(ledger, request.currency(), request.id()),
                request.amountMinor(),
                request.currency(),
                REFERENCE_PREFIX + request.id());
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        jdbc.sql("""
                INSERT INTO funding_late_returns (request_id, reason_code, bank_event_id, returned_at, amount_minor, reversed_minor, debt_minor, recorded_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (request_id) DO NOTHING""")
                .params(
                        request.id(),
                        reasonCode == null ? "unknown" : reasonCode,
                        bankEventId,
                        Timestamp.from(returnedAt),
                        request.amountMinor(),
                        reversal.reversedMinor(),
                        reversal.debtMinor(),
                        Timestamp.from(now))
                .update();
        jdbc.sql("UPDATE funding_requests SET status = ?, reason_code = ?, updated_at = ? WHERE id = ?")
                .params(FundingRequest.RETURNED, reasonCode, Timestamp.from(now), request.id())
                .update();
        jdbc.sql(
                        "INSERT INTO funding_transitions (request_id, from_status, to_status, reason_code, bank_event_id, occurred_at) VALUES (?, ?, ?, ?, ?, ?)")
                .params(
                        request.id(),
                        FundingRequest.SETTLED,
                        FundingRequest.RETURNED,
                        reasonCode,
                        bankEventId,
                        Timestamp.from(now))
                .update();
        Currencies.Currency currency = currencies.require(request.currency());
        meters.counter("wallet.funding.late_returns").increment();
        if (reversal.debtMinor() > 0) {
            meters.counter("wallet.funding.late_returns.debt").increment();
        }
        log.warn(
                "The bank returned settled deposit {} of user {} late ({}): {} {} taken back from the wallet, {} {} left as the user's debt",
                request.id(),
                request.userId(),
                reasonCode,
                currency.format(reversal.reversedMinor()),
                currency.code(),
                currency.format(reversal.debtMinor()),
                currency.code());
    }

    /**
     * Compares the bank's returns of {@code date} with the late returns the ledger reversed that day:
     * a return the ledger has not reversed is {@code missing_in_ledger}; a reversal the bank did not
     * report is {@code missing_at_bank}; different amounts are {@code amount_mismatch}. A return that
     * matches is no difference. Runs in the reconciliation's transaction.
     */
    List<Reconciliation.Difference> reconcile(LocalDate date, List<BankNetwork.Returned> bankReturns) {
        Instant dayStart = date.atStartOfDay(ZoneOffset.UTC).toInstant();
        Map<UUID, Recorded> reversedThatDay = new HashMap<>();
        jdbc.sql(RECORDED + " WHERE r.returned_at >= ? AND r.returned_at < ?")
                .params(Timestamp.from(dayStart), Timestamp.from(dayStart.plusSeconds(86_400)))
                .query((rs, n) -> recorded(rs))
                .list()
                .forEach(recorded -> reversedThatDay.put(recorded.requestId(), recorded));
        List<Reconciliation.Difference> differences = new ArrayList<>();
        for (BankNetwork.Returned returned : bankReturns) {
            long bankMinor = currencies.require(returned.currency()).parse(returned.amount());
            Recorded here = returned.requestId() == null ? null : reversedThatDay.remove(returned.requestId());
            if (here == null && returned.requestId() != null) {
                // Recorded on another day (the bank's clock and ours may straddle midnight): still a match.
                here = jdbc.sql(RECORDED + " WHERE r.request_id = ?")
                        .param(returned.requestId())
                        .query((rs, n) -> recorded(rs))
                        .optional()
                        .orElse(null);
            }
            if (here == null) {
                Optional<FundingRequest> known = returned.requestId() == null
                        ? Optional.empty()
                        : jdbc.sql(Funding.SELECT + " WHERE id = ?")
                                .param(returned.requestId())
                                .query((rs, n) -> Funding.request(rs))
                                .optional();
                differences.add(new Reconciliation.Difference(
                        Reconciliation.Difference.MISSING_IN_LEDGER,
                        returned.requestId(),
                        returned.bankTransferId(),
                        bankMinor,
                        null,
                        "the bank returned it late (" + returned.reasonCode() + ") on "
                                + returned.returnedAt() + "; the ledger has no reversal"
                                + known.map(request -> " (it is " + request.status() + ")")
                                        .orElse(" and no such request")));
            } else if (here.amountMinor() != bankMinor) {
                differences.add(new Reconciliation.Difference(
                        Reconciliation.Difference.AMOUNT_MISMATCH,
                        returned.requestId(),
                        returned.bankTransferId(),
                        bankMinor,
                        here.amountMinor(),
                        "the bank returned " + returned.amount() + " late, the ledger reversed "
                                + currencies.require(returned.currency()).format(here.amountMinor())));
            }
        }
        for (Recorded missing : reversedThatDay.values()) {
            differences.add(new Reconciliation.Difference(
                    Reconciliation.Difference.MISSING_AT_BANK,
                    missing.requestId(),
                    missing.bankTransferId(),
                    null,
                    missing.amountMinor(),
                    "reversed in the ledger after a late return (" + missing.reasonCode()
                            + "), absent from the bank's returns of that day"));
        }
        return differences;
    }

    private record Recorded(UUID requestId, String bankTransferId, long amountMinor, String reasonCode) {}

    private static final String RECORDED = """
            SELECT r.request_id, f.bank_transfer_id, r.amount_minor, r.reason_code
              FROM funding_late_returns r JOIN funding_requests f ON f.id = r.request_id""";

    private static Recorded recorded(java.sql.ResultSet rs) throws java.sql.SQLException {
        return new Recorded((UUID) rs.getObject(1), rs.getString(2), rs.getLong(3), rs.getString(4));
    }
}
