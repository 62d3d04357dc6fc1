package org.openwallet.events;

import java.time.Instant;
import java.util.UUID;
import tools.jackson.databind.JsonNode;

/**
 * One event as consumers see it: the envelope's fields, the payload as a tree (consumers read the
 * fields they know and ignore the rest), and where it came from.
 */
public record Event(
        UUID id,
        String type,
        int version,
        Instant occurredAt,
        String producer,
        JsonNode payload,
        String topic,
        String key) {
    /** The event in {@code envelope}, read from {@code topic} under {@code key}. */
    Event(EventEnvelope<JsonNode> envelope, String topic, String key) {
        this(
                envelope.id(),
                envelope.type(),
                envelope.version(),
                envelope.occurredAt(),
                envelope.producer(),
                envelope.payload(),
                topic,
                key);
    }
}
