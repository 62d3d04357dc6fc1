package org.openwallet.funding;

import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.openwallet.platform.money.Currencies;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A correctly signed bank event must still describe what the wallet asked for: the same request's
 * direction (a deposit is a debit, a withdrawal a credit), amount, currency and the bank's own
 * transfer id. One that does not is never applied: it is kept in {@code flagged_bank_events},
 * counted ({@code wallet.bank.events.flagged}), logged, and reported by reconciliation as a
 * {@code flagged_bank_event} difference for an operator to look at. A signature proves who sent
 * an event, not that it is right: a bank-side bug, a mix-up between two orders or a leaked key
 * must not settle 5000.00 for a 1.00 deposit.
 */
@Component
class FlaggedBankEvents {
    private static final Logger log = LoggerFactory.getLogger(FlaggedBankEvents.class);

    private final JdbcClient jdbc;
    private final Currencies currencies;
    private final JsonMapper json;
    private final MeterRegistry meters;
    private final Clock clock;

    FlaggedBankEvents(JdbcClient jdbc, Currencies currencies, JsonMapper json, MeterRegistry meters, Clock clock) {
        this.jdbc = jdbc;
        this.currencies = currencies;
        this.json = json;
        this.meters = meters;
        this.clock = clock;
    }

    /** What a flagged event got wrong, for people; {@code fields} for machines (e.g. {@code amount,direction}). */
    record Mismatch(String fields, String detail) {}

    private record Asked(String kind, long amountMinor, String currency, String bankTransferId) {}

    /**
     * Compares the event with its request, locking the request row (the same lock the outcome takes
     * next, so the bank transfer id cannot change in between). Empty when it matches, or when there is
     * no such request (that is the outcome's own failure). A request whose bank transfer id is not
     * recorded yet (the bank's 202 and its webhook crossed) takes the event's, once the rest matches.
     * Must run in a transaction.
     */
    Optional<Mismatch> check(UUID requestId, BankEvent event) {
        Optional<Asked> found = jdbc.sql(
                        "SELECT kind, amount_minor, currency, bank_transfer_id FROM funding_requests WHERE id = ? FOR UPDATE")
                .param(requestId)
                .query((rs, n) -> new Asked(
                        rs.getString(1), rs.getLong(2), rs.getString(3).strip(), rs.getString(4)))
                .optional();
        if (found.isEmpty()) {
            return Optional.empty();
        }
        Asked asked = found.get();
        List<String> fields = new ArrayList<>();
        List<String> details = new ArrayList<>();
        BankNetwork.Direction expected = asked.kind().equals(FundingRequest.DEPOSIT)
                ? BankNetwork.Direction.DEBIT
                : BankNetwork.Direction.CREDIT;
        if (event.direction() != expected) {
            fields.add("direction");
            details.add("a " + asked.kind() + " is a " + expected.name().toLowerCase() + ", the event says "
                    + event.direction().name().toLowerCase());
        }
        if (!event.currency().equals(asked.currency())) {
            fields.add("currency");
            details.add("we asked for " + asked.currency() + ", the event says " + event.currency());
        }
        Currencies.Currency currency = currencies.require(asked.currency());
        Long eventMinor = minorOrNull(currency, event.amount());
        if (eventMinor == null || eventMinor != asked.amountMinor()) {
            fields.add("amount");
            details.add("we asked for " + currency.format(asked.amountMinor()) + ", the event says " + event.amount());
        }
        if (asked.bankTransferId() != null && !asked.bankTransferId().equals(event.bankTransferId())) {
            fields.add("bank_transfer_id");
            details.add(
                    "the bank accepted it as " + asked.bankTransferId() + ", the event says " + event.bankTransferId());
        }
        if (!fields.isEmpty()) {
            return Optional.of(new Mismatch(String.join(",", fields), String.join("; ", details)));
        }
        if (asked.bankTransferId() == null) {
            jdbc.sql("UPDATE funding_requests SET bank_transfer_id = ? WHERE id = ? AND bank_transfer_id IS NULL")
                    .params(event.bankTransferId(), requestId)
                    .update();
        }
        return Optional.empty();
    }

    /** Keeps the event as the bank sent it (once per event id), counts and logs it. Must run in a transaction. */
    void flag(UUID requestId, BankEvent event, Mismatch mismatch, JsonNode payload) {
        int inserted = jdbc.sql("""
                INSERT INTO flagged_bank_events (event_id, request_id, type, bank_transfer_id, direction, amount, currency, reason_code,
                                                 occurred_at, mismatch, detail, payload, flagged_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?)
                ON CONFLICT (event_id) DO NOTHING""")
                .params(
                        event.eventId(),
                        requestId,
                        event.type(),
                        event.bankTransferId(),
                        event.direction().name().toLowerCase(),
                        event.amount(),
                        event.currency(),
                        event.reasonCode(),
                        Timestamp.from(event.occurredAt()),
                        mismatch.fields(),
                        mismatch.detail(),
                        json.writeValueAsString(payload),
                        Timestamp.from(clock.instant()))
                .update();
        if (inserted == 1) {
            meters.counter("wallet.bank.events.flagged", "mismatch", mismatch.fields())
                    .increment();
            log.warn(
                    "Flagged bank event {} ({}) for request {} and left the request as it is: {}",
                    event.eventId(),
                    event.type(),
                    requestId,
                    mismatch.detail());
        }
    }

    /** A flagged event as reconciliation reports it. */
    record Flagged(
            String eventId,
            UUID requestId,
            String bankTransferId,
            String amount,
            String currency,
            String mismatch,
            String detail) {}

    /** The events flagged in {@code [from, to)} by the wallet's clock, oldest first, at most {@code limit}. */
    List<Flagged> flaggedBetween(Instant from, Instant to, int limit) {
        return jdbc.sql("""
                SELECT event_id, request_id, bank_transfer_id, amount, currency, mismatch, detail FROM flagged_bank_events
                 WHERE flagged_at >= ? AND flagged_at < ? ORDER BY flagged_at LIMIT ?""")
                .params(Timestamp.from(from), Timestamp.from(to), limit)
                .query((rs, n) -> new Flagged(
                        rs.getString(1),
                        (UUID) rs.getObject(2),
                        rs.getString(3),
                        rs.getString(4),
                        rs.getString(5).strip(),
                        rs.getString(6),
                        rs.getString(7)))
                .list();
    }

    private static Long minorOrNull(Currencies.Currency currency, String amount) {
        try {
            return currency.parse(amount);
        } catch (IllegalArgumentException | ArithmeticException unreadable) {
            return null;
        }
    }
}
