package org.openwallet.funding;

import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.UUID;
import org.openwallet.events.EventEnvelope;
import org.openwallet.platform.web.ProblemCode;
import org.openwallet.platform.web.ProblemException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Takes in one bank webhook: verified (signature, age, contract), then written durably to
 * {@code bank.events} before it is acknowledged; the funding consumer applies it. A delivery already
 * published (same event id, remembered in {@code bank_webhook_events}) is acknowledged and not
 * published again.
 */
@Service
class BankWebhookIntake {
    /** The {@code producer} of the envelopes around the bank's events. */
    static final String PRODUCER = "bank";

    private static final Logger log = LoggerFactory.getLogger(BankWebhookIntake.class);

    private final BankWebhooks signatures;
    private final BankEventsPublisher publisher;
    private final JdbcClient jdbc;
    private final JsonMapper json;
    private final Clock clock;
    private final MeterRegistry meters;

    BankWebhookIntake(
            BankWebhooks signatures,
            BankEventsPublisher publisher,
            JdbcClient jdbc,
            JsonMapper json,
            Clock clock,
            MeterRegistry meters) {
        this.signatures = signatures;
        this.publisher = publisher;
        this.jdbc = jdbc;
        this.json = json;
        this.clock = clock;
        this.meters = meters;
    }

    /** What became of a webhook the wallet took. */
    enum Outcome {
        /** Published to {@code bank.events} now. */
        ACCEPTED,
        /** Published before: nothing else happened. */
        DUPLICATE
    }

    /**
     * Verifies and publishes one delivery. Refuses, as a problem, a missing, wrong or stale signature
     * ({@code invalid_signature}), a body that is not a bank event ({@code validation_failed}), and an
     * event Kafka did not take ({@code service_unavailable}: the bank retries).
     */
    Outcome receive(String signature, byte[] body) {
        String refusal = signatures.refusal(signature, body);
        if (refusal != null) {
            meters.counter("wallet.bank.webhooks", "outcome", "refused").increment();
            log.warn("Refused a bank webhook: {}", refusal);
            throw new ProblemException(
                    ProblemCode.INVALID_SIGNATURE, "The webhook signature is not valid: " + refusal + ".");
        }
        JsonNode event;
        try {
            event = json.readTree(body);
        } catch (RuntimeException malformed) {
            throw new ProblemException(ProblemCode.VALIDATION_FAILED, "The body is not JSON.");
        }
        BankEvent parsed;
        try {
            parsed = BankEvent.parse(event);
        } catch (BankEvent.Malformed malformed) {
            // Signed by the bank but not what the contract says: nothing is stored, and the bank's
            // retries get the same answer. Logged, since it means a bank-side bug or a leaked key.
            meters.counter("wallet.bank.webhooks", "outcome", "malformed").increment();
            log.warn("Refused a signed but malformed bank webhook: {}", malformed.getMessage());
            throw new ProblemException(
                    ProblemCode.VALIDATION_FAILED, "Not a valid bank event: " + malformed.getMessage() + ".");
        }
        String eventId = parsed.eventId();
        boolean seen = jdbc.sql("SELECT EXISTS (SELECT 1 FROM bank_webhook_events WHERE event_id = ?)")
                .param(eventId)
                .query(Boolean.class)
                .single();
        if (seen) {
            meters.counter("wallet.bank.webhooks", "outcome", "duplicate").increment();
            return Outcome.DUPLICATE;
        }
        if (!publisher.publish(
                parsed.requestId(), envelope(parsed, event, clock.instant()).toJson(json))) {
            meters.counter("wallet.bank.webhooks", "outcome", "unavailable").increment();
            throw new ProblemException(ProblemCode.SERVICE_UNAVAILABLE, "The event could not be stored; retry later.");
        }
        // After Kafka has it: were this insert lost, a redelivery is published again and the consumer ignores it.
        jdbc.sql("INSERT INTO bank_webhook_events (event_id, received_at) VALUES (?, ?) ON CONFLICT DO NOTHING")
                .params(eventId, Timestamp.from(clock.instant()))
                .update();
        meters.counter("wallet.bank.webhooks", "outcome", "accepted").increment();
        return Outcome.ACCEPTED;
    }

    /**
     * The wallet's envelope around the bank's event, which it carries as received; its id is derived
     * from the bank's event id, so both copies of a duplicate share it.
     */
    static EventEnvelope<JsonNode> envelope(BankEvent parsed, JsonNode event, Instant receivedAt) {
        UUID id = UUID.nameUUIDFromBytes(("bank:" + parsed.eventId()).getBytes(StandardCharsets.UTF_8));
        return new EventEnvelope<>(id, "bank." + parsed.type(), 1, receivedAt, PRODUCER, event);
    }
}
