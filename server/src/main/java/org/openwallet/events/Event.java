package org.openwallet.events;

import java.time.Instant;
import java.util.UUID;
import tools.jackson.databind.JsonNode;

/**
 * One event as consumers see it: the envelope's fields, the payload as a tree (consumers read the
 * fields they know and ignore the rest), and where it came from.
 */
public record Event(UUID id, String type, int version, Instant occurredAt, String producer, JsonNode payload,
                    String topic, String key) {
}
