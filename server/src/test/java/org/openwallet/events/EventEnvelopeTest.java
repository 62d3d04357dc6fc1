package org.openwallet.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;

/** Known answers for the envelope: fixed envelopes to fixed bytes, and the bytes already in Kafka back to the record. */
class EventEnvelopeTest {
    /** Named like the wallet's mapper names payload fields (PlatformConfiguration): snake_case. */
    private static final JsonMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .build();

    private static final UUID ID = UUID.fromString("01970000-0000-7000-8000-000000000001");
    private static final Instant AT = Instant.parse("2026-01-02T03:04:05.123456Z");

    record Posted(String transferId, String amount, String note) {}

    @Test
    void anEnvelope_serializesToFixedBytes_fieldsInSchemaOrder_payloadByTheMapper() {
        EventEnvelope<Object> envelope = new EventEnvelope<>(
                ID,
                "transfer.posted",
                1,
                AT,
                "wallet",
                new Posted("01970000-0000-7000-8000-000000000002", "12.50", null));

        assertThat(envelope.toJson(JSON)).isEqualTo("""
                {"id":"01970000-0000-7000-8000-000000000001","type":"transfer.posted","version":1,\
                "occurred_at":"2026-01-02T03:04:05.123456Z","producer":"wallet",\
                "payload":{"transfer_id":"01970000-0000-7000-8000-000000000002","amount":"12.50","note":null}}""");
    }

    @Test
    void theEnvelopesOwnFieldNames_doNotFollowTheMappersNamingStrategy() {
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("userId", "u");
        EventEnvelope<Object> envelope =
                new EventEnvelope<>(ID, "user.signed_up", 2, Instant.parse("2026-01-02T03:04:05Z"), "wallet", payload);

        assertThat(envelope.toJson(JsonMapper.builder().build())).isEqualTo("""
                {"id":"01970000-0000-7000-8000-000000000001","type":"user.signed_up","version":2,\
                "occurred_at":"2026-01-02T03:04:05Z","producer":"wallet","payload":{"userId":"u"}}""");
    }

    @Test
    void bytesAsTheOutboxPublishesThem_parseToTheRecord() {
        // As the relay publishes an outbox row: PostgreSQL's jsonb text, keys reordered, with spaces.
        String published = """
                {"id": "01970000-0000-7000-8000-000000000001", "type": "transfer.posted", "payload": {"note": null, "amount": "12.50", \
                "transfer_id": "01970000-0000-7000-8000-000000000002"}, "version": 1, "producer": "wallet", \
                "occurred_at": "2026-01-02T03:04:05.123456Z"}""";

        EventEnvelope<JsonNode> parsed = EventEnvelope.parse(JSON, published);

        assertThat(parsed)
                .isEqualTo(
                        new EventEnvelope<>(
                                ID,
                                "transfer.posted",
                                1,
                                AT,
                                "wallet",
                                JSON.readTree(
                                        "{\"transfer_id\": \"01970000-0000-7000-8000-000000000002\", \"amount\": \"12.50\", \"note\": null}")));
    }

    @Test
    void whatToJsonWrites_parsesBackToTheSameEnvelope() {
        EventEnvelope<JsonNode> envelope = new EventEnvelope<>(
                ID, "bank.transfer.settled", 1, AT, "bank", JSON.readTree("{\"amount\": \"1.00\"}"));

        assertThat(EventEnvelope.parse(JSON, envelope.toJson(JSON))).isEqualTo(envelope);
    }

    @Test
    void unknownFields_areIgnored_asConsumersMust() {
        String withMore = """
                {"id": "01970000-0000-7000-8000-000000000001", "type": "user.signed_up", "version": 1, "occurred_at": "2026-01-02T03:04:05Z",
                 "producer": "wallet", "trace_id": "abc", "payload": {"user_id": "u"}}""";

        assertThat(EventEnvelope.parse(JSON, withMore).type()).isEqualTo("user.signed_up");
    }

    @Test
    void aMissingField_isPoison_andAMalformedOne_fails() {
        assertThatThrownBy(() -> EventEnvelope.parse(JSON, """
                {"id": "01970000-0000-7000-8000-000000000001", "type": "user.signed_up", "version": 1, "producer": "wallet", "payload": {}}"""))
                .isInstanceOf(PoisonEventException.class)
                .hasMessageContaining("occurred_at");
        assertThatThrownBy(() -> EventEnvelope.parse(JSON, "[1, 2]")).isInstanceOf(PoisonEventException.class);
        assertThatThrownBy(() -> EventEnvelope.parse(JSON, """
                {"id": "not-a-uuid", "type": "user.signed_up", "version": 1, "occurred_at": "2026-01-02T03:04:05Z", "producer": "wallet", "payload": {}}""")).isInstanceOf(IllegalArgumentException.class);
    }
}
