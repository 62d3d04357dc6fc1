package org.openwallet.funding;

import io.micrometer.core.instrument.MeterRegistry;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.openwallet.platform.ApiContract;
import org.openwallet.platform.ProblemCode;
import org.openwallet.platform.ProblemException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /v1/webhooks/bank}: the bank's outcomes. Verified (signature, age), then written
 * durably to {@code bank.events} before the 2xx; the reconciliation consumer applies them. A
 * delivery already published (same event id) is acknowledged and not published again.
 */
@RestController
@Tag(name = "Bank webhooks", description = "Outcomes of deposits and withdrawals, from the bank network")
class BankWebhookController {
    private static final Logger log = LoggerFactory.getLogger(BankWebhookController.class);

    private final BankWebhooks signatures;
    private final BankEventsPublisher publisher;
    private final JdbcClient jdbc;
    private final JsonMapper json;
    private final Clock clock;
    private final MeterRegistry meters;

    BankWebhookController(BankWebhooks signatures, BankEventsPublisher publisher, JdbcClient jdbc, JsonMapper json, Clock clock, MeterRegistry meters) {
        this.signatures = signatures;
        this.publisher = publisher;
        this.jdbc = jdbc;
        this.json = json;
        this.clock = clock;
        this.meters = meters;
    }

    @PostMapping("/v1/webhooks/bank")
    @ApiContract(access = ApiContract.Access.PUBLIC, problems = ProblemCode.INVALID_SIGNATURE)
    @Operation(summary = "An outcome from the bank (signed)", description = """
            Header Bank-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body"> under the shared secret. \
            2xx only once the event is durably in Kafka.""", responses = {
            @ApiResponse(responseCode = "200", description = "Taken (or taken before: a duplicate)"),
            @ApiResponse(responseCode = "400", description = "validation_failed: not a bank event (a field missing or malformed, e.g. an amount that is not a two-decimal string)"),
            @ApiResponse(responseCode = "401", description = "invalid_signature: missing, wrong or stale signature; nothing happens"),
            @ApiResponse(responseCode = "503", description = "service_unavailable: Kafka did not take it; retry")})
    ResponseEntity<Map<String, String>> receive(@RequestHeader(name = "Bank-Signature", required = false) String signature,
                                                @RequestBody byte[] body) {
        String refusal = signatures.refusal(signature, body);
        if (refusal != null) {
            meters.counter("wallet.bank.webhooks", "outcome", "refused").increment();
            log.warn("Refused a bank webhook: {}", refusal);
            throw new ProblemException(ProblemCode.INVALID_SIGNATURE, "The webhook signature is not valid: " + refusal + ".");
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
            throw new ProblemException(ProblemCode.VALIDATION_FAILED, "Not a valid bank event: " + malformed.getMessage() + ".");
        }
        String eventId = parsed.eventId();
        String type = parsed.type();
        String requestId = parsed.requestId();
        boolean seen = jdbc.sql("SELECT EXISTS (SELECT 1 FROM bank_webhook_events WHERE event_id = ?)").param(eventId).query(Boolean.class).single();
        if (seen) {
            meters.counter("wallet.bank.webhooks", "outcome", "duplicate").increment();
            return ResponseEntity.ok(Map.of("status", "duplicate"));
        }
        if (!publisher.publish(requestId, envelope(eventId, type, event))) {
            meters.counter("wallet.bank.webhooks", "outcome", "unavailable").increment();
            throw new ProblemException(ProblemCode.SERVICE_UNAVAILABLE, "The event could not be stored; retry later.");
        }
        // After Kafka has it: were this insert lost, a redelivery is published again and the consumer ignores it.
        jdbc.sql("INSERT INTO bank_webhook_events (event_id, received_at) VALUES (?, ?) ON CONFLICT DO NOTHING")
                .params(eventId, Timestamp.from(clock.instant())).update();
        meters.counter("wallet.bank.webhooks", "outcome", "accepted").increment();
        return ResponseEntity.ok(Map.of("status", "accepted"));
    }

    /** The wallet's event envelope around the bank's event; its id is derived from the bank's, so both copies of a duplicate share it. */
    private String envelope(String eventId, String type, JsonNode event) {
        Map<String, Object> envelope = new LinkedHashMap<>();
        envelope.put("id", UUID.nameUUIDFromBytes(("bank:" + eventId).getBytes(StandardCharsets.UTF_8)).toString());
        envelope.put("type", "bank." + type);
        envelope.put("version", 1);
        envelope.put("occurred_at", clock.instant().toString());
        envelope.put("producer", "bank");
        envelope.put("payload", event);
        return json.writeValueAsString(envelope);
    }
}
