package org.openwallet.outbox;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.openwallet.events.EventEnvelope;
import org.openwallet.platform.Ids;
import org.openwallet.platform.database.DeferredWrites;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import tools.jackson.databind.json.JsonMapper;

/**
 * Appends events to the outbox in the caller's transaction: the event exists exactly when the
 * change it describes committed.
 */
@Service
public class Outbox {
    /** The {@code producer} field of every envelope this service writes. */
    public static final String PRODUCER = "wallet";

    private final DeferredWrites deferred;
    private final JsonMapper json;
    private final Clock clock;

    Outbox(DeferredWrites deferred, JsonMapper json, Clock clock) {
        this.deferred = deferred;
        this.json = json;
        this.clock = clock;
    }

    /**
     * One event to publish.
     *
     * @param aggregateType names the topic: {@code wallet.<aggregateType>}
     * @param ownerId       the Kafka key: one owner's events stay in order in one partition
     * @param type          e.g. {@code transfer.posted}
     * @param payload       the event's data, serialised as the envelope's {@code payload}
     */
    public record Event(
            String aggregateType, String aggregateId, String ownerId, String type, int version, Object payload) {}

    /** Appends {@code event}; returns its id. Must run inside the transaction of the change it reports. */
    public UUID append(Event event) {
        if (!TransactionSynchronizationManager.isActualTransactionActive()) {
            throw new IllegalStateException("outbox events must be appended inside the transaction of their change");
        }
        UUID id = Ids.next();
        Instant occurredAt = clock.instant().truncatedTo(ChronoUnit.MICROS);
        EventEnvelope<Object> envelope =
                new EventEnvelope<>(id, event.type(), event.version(), occurredAt, PRODUCER, event.payload());
        deferred.insert(
                """
                INSERT INTO outbox_events (id, aggregate_type, aggregate_id, owner_id, event_type, schema_version, occurred_at, payload)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?::jsonb)
                """,
                id,
                event.aggregateType(),
                event.aggregateId(),
                event.ownerId(),
                event.type(),
                event.version(),
                Timestamp.from(occurredAt),
                envelope.toJson(json));
        return id;
    }
}
