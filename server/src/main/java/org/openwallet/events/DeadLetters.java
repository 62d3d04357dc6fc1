package org.openwallet.events;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.openwallet.platform.Ids;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import tools.jackson.databind.json.JsonMapper;

/**
 * The dead letters of every consumer, kept in PostgreSQL as well as in {@code <topic>.dlq}: the
 * consumer records each one here when it dead-letters it. Reading a Kafka topic to list or find one
 * record would mean scanning it; the table makes listing a query and a re-drive exactly once: the
 * re-drive locks the dead letter's row, applies the event as its consumer would (remembering its id
 * in {@code processed_events}, so an event that was applied meanwhile is not applied again), and
 * marks the row re-driven, all in the caller's transaction. A second re-drive, concurrent or later,
 * waits for the row and finds it re-driven.
 */
@Component
public class DeadLetters {
    public static final int MAX_PAGE_SIZE = 100;
    /** Dead letters keep at most this much of the error that sent them there. */
    static final int MAX_ERROR_CHARS = 4000;

    private final JdbcClient jdbc;
    private final JsonMapper json;
    private final Clock clock;

    DeadLetters(JdbcClient jdbc, JsonMapper json, Clock clock) {
        this.jdbc = jdbc;
        this.json = json;
        this.clock = clock;
    }

    /** One dead-lettered record. {@code redrivenAt}, {@code redrivenBy} and {@code redriveOutcome} are null until it is re-driven. */
    public record DeadLetter(
            UUID id,
            String consumer,
            String topic,
            int partition,
            long offset,
            String key,
            String value,
            String error,
            Instant deadAt,
            Instant redrivenAt,
            UUID redrivenBy,
            String redriveOutcome) {}

    /** What a re-drive did. */
    public sealed interface Redrive {
        /** The event was applied now. */
        record Applied(DeadLetter deadLetter) implements Redrive {}

        /** The consumer had applied the event already (a redelivery after the dead-lettering): nothing was applied again. */
        record AlreadyApplied(DeadLetter deadLetter) implements Redrive {}

        /** The dead letter was re-driven before: nothing was done. */
        record AlreadyRedriven(DeadLetter deadLetter) implements Redrive {}

        record NotFound() implements Redrive {}
    }

    /** Records a record the consumer {@code consumer} dead-letters; a second time for the same record changes nothing. */
    void record(String consumer, ConsumerRecord<String, String> record, Throwable error) {
        String text = String.valueOf(error);
        jdbc.sql("""
                INSERT INTO dead_letters (id, consumer, topic, kafka_partition, kafka_offset, record_key, record_value, error, dead_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (consumer, topic, kafka_partition, kafka_offset) DO NOTHING
                """)
                .params(
                        Ids.next(),
                        consumer,
                        record.topic(),
                        record.partition(),
                        record.offset(),
                        record.key(),
                        record.value() == null ? "" : record.value(),
                        text.length() <= MAX_ERROR_CHARS ? text : text.substring(0, MAX_ERROR_CHARS),
                        Timestamp.from(clock.instant()))
                .update();
    }

    /**
     * The consumer's dead letters, newest first, older than {@code before} when given; at most
     * {@link #MAX_PAGE_SIZE} and one more (which tells a caller whether there is a next page).
     */
    public List<DeadLetter> page(String consumer, UUID before, int limit) {
        if (limit < 1 || limit > MAX_PAGE_SIZE + 1) {
            throw new IllegalArgumentException("limit must be between 1 and " + MAX_PAGE_SIZE);
        }
        return jdbc.sql(
                        SELECT
                                + " WHERE consumer = :consumer AND (CAST(:before AS uuid) IS NULL OR id < :before) ORDER BY id DESC LIMIT :limit")
                .param("consumer", consumer)
                .param("before", before)
                .param("limit", limit)
                .query(DeadLetters::deadLetter)
                .list();
    }

    public Optional<DeadLetter> find(String consumer, UUID id) {
        return jdbc.sql(SELECT + " WHERE consumer = ? AND id = ?")
                .params(consumer, id)
                .query(DeadLetters::deadLetter)
                .optional();
    }

    /**
     * Applies a dead letter of {@code handler}'s consumer once, in the caller's transaction (which
     * must also hold whatever records the re-drive, e.g. the audit entry). An event that still cannot
     * be applied throws {@link PoisonEventException} (or whatever the handler throws): the caller's
     * transaction rolls back, and the dead letter stays as it was, to be re-driven again later.
     */
    public Redrive redrive(EventHandler handler, UUID id, UUID actorId) {
        if (!TransactionSynchronizationManager.isActualTransactionActive()) {
            throw new IllegalStateException("a re-drive runs in the caller's transaction");
        }
        Optional<DeadLetter> locked = jdbc.sql(SELECT + " WHERE consumer = ? AND id = ? FOR UPDATE")
                .params(handler.name(), id)
                .query(DeadLetters::deadLetter)
                .optional();
        if (locked.isEmpty()) {
            return new Redrive.NotFound();
        }
        DeadLetter deadLetter = locked.get();
        if (deadLetter.redrivenAt() != null) {
            return new Redrive.AlreadyRedriven(deadLetter);
        }
        Event event;
        try {
            event = ConsumerLoop.parse(json, deadLetter.topic(), deadLetter.key(), deadLetter.value());
        } catch (RuntimeException malformed) {
            throw new PoisonEventException("the dead letter is not a valid event: " + malformed);
        }
        boolean fresh = !handler.transactional()
                || jdbc.sql("INSERT INTO processed_events (consumer, event_id) VALUES (?, ?) ON CONFLICT DO NOTHING")
                                .params(handler.name(), event.id())
                                .update()
                        == 1;
        if (fresh) {
            handler.apply(event);
        }
        String outcome = fresh ? "applied" : "already_applied";
        Instant now = clock.instant();
        jdbc.sql("UPDATE dead_letters SET redriven_at = ?, redriven_by = ?, redrive_outcome = ? WHERE id = ?")
                .params(Timestamp.from(now), actorId, outcome, id)
                .update();
        DeadLetter redriven = find(handler.name(), id).orElseThrow();
        return fresh ? new Redrive.Applied(redriven) : new Redrive.AlreadyApplied(redriven);
    }

    private static final String SELECT = """
            SELECT id, consumer, topic, kafka_partition, kafka_offset, record_key, record_value, error, dead_at, redriven_at, redriven_by,
                   redrive_outcome FROM dead_letters""";

    private static DeadLetter deadLetter(ResultSet rs, int row) throws SQLException {
        Timestamp redrivenAt = rs.getTimestamp("redriven_at");
        return new DeadLetter(
                (UUID) rs.getObject("id"),
                rs.getString("consumer"),
                rs.getString("topic"),
                rs.getInt("kafka_partition"),
                rs.getLong("kafka_offset"),
                rs.getString("record_key"),
                rs.getString("record_value"),
                rs.getString("error"),
                rs.getTimestamp("dead_at").toInstant(),
                redrivenAt == null ? null : redrivenAt.toInstant(),
                (UUID) rs.getObject("redriven_by"),
                rs.getString("redrive_outcome"));
    }
}
