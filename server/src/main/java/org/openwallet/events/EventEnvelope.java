package org.openwallet.events;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The envelope every event travels in, as a Kafka record's value (schema
 * {@code resources/events/envelope.v1.json}, docs/events.md): the outbox writes it, the bank webhook
 * wraps the bank's events in it, and the consumers read it. {@link #toJson} and {@link #parse} are
 * its only serializer and parser, so its fields are named and ordered in one place.
 *
 * <p>The envelope's own field names are fixed here, whatever the mapper's naming strategy; the
 * payload is written by the mapper like any other value. Reading is lenient about what the
 * envelopes already in Kafka and the outbox look like: any key order and spacing (PostgreSQL's
 * {@code jsonb} reorders keys), and fields this version does not know, are accepted.
 *
 * @param occurredAt written as {@link Instant#toString()}: as precise as it is, so the outbox, which
 *                   truncates to microseconds, writes at most six decimals
 * @param payload    the event's data: any value the mapper can write; a tree once read
 */
public record EventEnvelope<P>(UUID id, String type, int version, Instant occurredAt, String producer, P payload) {
    private static final List<String> FIELDS = List.of("id", "type", "version", "occurred_at", "producer", "payload");

    /** The envelope as JSON text, its fields in the order of {@code envelope.v1.json}. */
    public String toJson(JsonMapper json) {
        return json.writeValueAsString(json.createObjectNode()
                .put("id", id.toString())
                .put("type", type)
                .put("version", version)
                .put("occurred_at", occurredAt.toString())
                .put("producer", producer)
                .putPOJO("payload", payload));
    }

    /**
     * The envelope in {@code value}; throws {@link PoisonEventException} for a value that lacks one of
     * its fields, and the mapper's or the JDK's exception for one that is not JSON or has a field of
     * the wrong form (an id that is no UUID, a time that is no instant).
     */
    public static EventEnvelope<JsonNode> parse(JsonMapper json, String value) {
        JsonNode envelope = json.readTree(value);
        for (String field : FIELDS) {
            if (envelope == null || !envelope.has(field)) {
                throw new PoisonEventException("the envelope has no '" + field + "'");
            }
        }
        return new EventEnvelope<>(
                UUID.fromString(envelope.get("id").asString()),
                envelope.get("type").asString(),
                envelope.get("version").asInt(),
                Instant.parse(envelope.get("occurred_at").asString()),
                envelope.get("producer").asString(),
                envelope.get("payload"));
    }
}
