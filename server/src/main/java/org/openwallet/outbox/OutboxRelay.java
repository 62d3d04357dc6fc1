package org.openwallet.outbox;

import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.source.SourceRecord;
import org.openwallet.platform.DatabaseEndpoint;
import org.openwallet.platform.KafkaCluster;
import org.openwallet.platform.WalletProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The relay role: streams outbox inserts from PostgreSQL's write-ahead log to Kafka.
 *
 * <p>Debezium's embedded engine reads the replication slot through the {@code pgoutput} plugin and
 * its Outbox Event Router turns each insert into a record for {@code wallet.<aggregate_type>}, keyed
 * by the owner, with the event id and type as headers. This class hands every batch to an idempotent
 * {@code acks=all} producer and marks the batch processed only after Kafka acknowledged all of it,
 * so a crash anywhere re-sends (consumers deduplicate) and never skips. Debezium confirms the slot
 * position to PostgreSQL only for processed records, and keeps its offsets in a Kafka topic.
 *
 * <p>One relay streams a slot at a time. Leadership is a session-level advisory lock held on a
 * dedicated connection: a second relay waits for it, and gets it when the first one's session ends,
 * whether it stopped, crashed or lost its network.
 */
class OutboxRelay implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(OutboxRelay.class);
    static final String HEARTBEAT_TOPIC_PREFIX = "__debezium-heartbeat";
    private static final Duration MAX_RESTART_BACKOFF = Duration.ofSeconds(10);

    private final RelaySettings settings;
    private final DatabaseEndpoint database;
    private final KafkaCluster kafka;
    private final JdbcClient jdbc;
    private final boolean autoStartup;
    private volatile boolean running;
    private volatile boolean leader;
    private volatile Thread worker;
    private volatile DebeziumEngine<RecordChangeEvent<SourceRecord>> engine;
    private volatile Connection leadership;

    OutboxRelay(RelaySettings settings, DatabaseEndpoint database, KafkaCluster kafka, JdbcClient jdbc, WalletProperties properties) {
        this.settings = settings;
        this.database = database;
        this.kafka = kafka;
        this.jdbc = jdbc;
        this.autoStartup = properties.runs("relay");
    }

    /** Whether this relay holds the slot's leadership and streams now. */
    boolean isLeader() {
        return leader;
    }

    @Override
    public boolean isAutoStartup() {
        return autoStartup;
    }

    @Override
    public void start() {
        running = true;
        worker = Thread.ofPlatform().name("outbox-relay").daemon(false).start(this::run);
    }

    @Override
    public void stop() {
        running = false;
        closeEngine();
        Thread current = worker;
        if (current != null) {
            try {
                // Closing the engine ends the worker's stream; interrupt only a worker that is stuck.
                current.join(TimeUnit.SECONDS.toMillis(10));
                if (current.isAlive()) {
                    current.interrupt();
                    current.join(TimeUnit.SECONDS.toMillis(20));
                }
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        releaseLeadership();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    private void run() {
        Duration backoff = settings.leadershipRetry();
        while (running) {
            try {
                if (!acquireLeadership()) {
                    sleep(settings.leadershipRetry());
                    continue;
                }
                log.info("Outbox relay leads slot {}; streaming to Kafka at {}", settings.slotName(), kafka.bootstrapServers());
                kafka.ensureTopics(settings.aggregateTypes().stream().map(type -> "wallet." + type).toList());
                try (KafkaProducer<String, String> producer = producer()) {
                    stream(producer);
                }
                backoff = settings.leadershipRetry();
            } catch (Exception failure) {
                if (running) {
                    log.warn("Outbox relay stopped ({}); restarting in {}", failure.toString(), backoff);
                }
            } finally {
                releaseLeadership();
            }
            if (running) {
                sleep(backoff);
                backoff = backoff.multipliedBy(2).compareTo(MAX_RESTART_BACKOFF) > 0 ? MAX_RESTART_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }

    /** Runs the engine in this thread until it stops, closing it if the leadership session dies. */
    private void stream(KafkaProducer<String, String> producer) {
        DebeziumEngine<RecordChangeEvent<SourceRecord>> current = DebeziumEngine.create(ChangeEventFormat.of(Connect.class))
                .using(engineProperties())
                .notifying((records, committer) -> {
                    List<Future<RecordMetadata>> acknowledgements = new ArrayList<>(records.size());
                    String lastEventId = null;
                    for (RecordChangeEvent<SourceRecord> change : records) {
                        SourceRecord record = change.record();
                        if (record.topic().startsWith(HEARTBEAT_TOPIC_PREFIX)) {
                            continue;
                        }
                        ProducerRecord<String, String> outgoing = new ProducerRecord<>(record.topic(), null,
                                (String) record.key(), (String) record.value());
                        for (Header header : record.headers()) {
                            outgoing.headers().add(header.key(), String.valueOf(header.value()).getBytes(StandardCharsets.UTF_8));
                            if (header.key().equals("id")) {
                                lastEventId = String.valueOf(header.value());
                            }
                        }
                        acknowledgements.add(producer.send(outgoing));
                    }
                    try {
                        for (Future<RecordMetadata> acknowledgement : acknowledgements) {
                            acknowledgement.get();
                        }
                    } catch (Exception notAcknowledged) {
                        // Nothing of this batch is marked processed: after the restart it is read again.
                        throw new IllegalStateException("Kafka did not acknowledge an outbox batch", notAcknowledged);
                    }
                    for (RecordChangeEvent<SourceRecord> change : records) {
                        committer.markProcessed(change);
                    }
                    committer.markBatchFinished();
                    if (lastEventId != null) {
                        recordPosition(UUID.fromString(lastEventId));
                    }
                })
                .using((success, message, error) -> {
                    if (!success && running) {
                        log.warn("Debezium engine ended: {}", message, error);
                    }
                })
                .build();
        engine = current;
        Thread watchdog = Thread.ofVirtual().name("outbox-relay-watchdog").start(() -> {
            while (engine == current && !Thread.currentThread().isInterrupted()) {
                sleep(Duration.ofSeconds(1));
                if (running && !leadershipAlive()) {
                    log.warn("Outbox relay lost its leadership session; stopping the engine");
                    closeEngine();
                    return;
                }
            }
        });
        try {
            leader = true;
            current.run();
        } finally {
            leader = false;
            engine = null;
            watchdog.interrupt();
            closeQuietly(current);
        }
    }

    private Properties engineProperties() {
        Properties properties = new Properties();
        properties.putAll(Map.ofEntries(
                Map.entry("name", "wallet-outbox-relay"),
                Map.entry("connector.class", "io.debezium.connector.postgresql.PostgresConnector"),
                Map.entry("offset.storage", "org.apache.kafka.connect.storage.KafkaOffsetBackingStore"),
                Map.entry("offset.storage.topic", "wallet.relay.offsets"),
                Map.entry("offset.storage.partitions", "1"),
                Map.entry("offset.storage.replication.factor", Short.toString(kafka.replicationFactor())),
                Map.entry("offset.flush.interval.ms", Long.toString(settings.offsetFlushInterval().toMillis())),
                Map.entry("bootstrap.servers", kafka.bootstrapServers()),
                Map.entry("database.hostname", database.host()),
                Map.entry("database.port", Integer.toString(database.port())),
                Map.entry("database.user", database.username()),
                Map.entry("database.password", database.password()),
                Map.entry("database.dbname", database.database()),
                Map.entry("topic.prefix", "wallet"),
                Map.entry("plugin.name", "pgoutput"),
                Map.entry("slot.name", settings.slotName()),
                Map.entry("publication.name", settings.publicationName()),
                Map.entry("publication.autocreate.mode", "disabled"),
                Map.entry("snapshot.mode", "no_data"),
                Map.entry("table.include.list", "public.outbox_events"),
                Map.entry("tombstones.on.delete", "false"),
                Map.entry("poll.interval.ms", Long.toString(settings.pollInterval().toMillis())),
                Map.entry("max.batch.size", Integer.toString(settings.maxBatchSize())),
                Map.entry("max.queue.size", Integer.toString(settings.maxQueueSize())),
                Map.entry("heartbeat.interval.ms", Long.toString(settings.heartbeatInterval().toMillis())),
                Map.entry("transforms", "outbox"),
                Map.entry("transforms.outbox.type", "io.debezium.transforms.outbox.EventRouter"),
                Map.entry("transforms.outbox.route.by.field", "aggregate_type"),
                Map.entry("transforms.outbox.route.topic.replacement", "wallet.${routedByValue}"),
                Map.entry("transforms.outbox.table.field.event.id", "id"),
                Map.entry("transforms.outbox.table.field.event.key", "owner_id"),
                Map.entry("transforms.outbox.table.field.event.payload", "payload"),
                Map.entry("transforms.outbox.table.fields.additional.placement", "event_type:header:type"),
                Map.entry("transforms.outbox.table.expand.json.payload", "false")));
        return properties;
    }

    private KafkaProducer<String, String> producer() {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 0,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000,
                ProducerConfig.CLIENT_ID_CONFIG, "wallet-outbox-relay"),
                new StringSerializer(), new StringSerializer());
    }

    private void recordPosition(UUID lastEventId) {
        jdbc.sql("""
                INSERT INTO outbox_relay_position (slot_name, last_event_id, updated_at) VALUES (?, ?, now())
                ON CONFLICT (slot_name) DO UPDATE SET last_event_id = excluded.last_event_id, updated_at = excluded.updated_at
                """).params(settings.slotName(), lastEventId).update();
    }

    private boolean acquireLeadership() throws SQLException {
        if (leadership == null || !leadership.isValid(2)) {
            closeQuietly(leadership);
            leadership = DriverManager.getConnection("jdbc:postgresql://" + database.host() + ":" + database.port() + "/" + database.database()
                    + "?ApplicationName=wallet-outbox-relay-leadership", database.username(), database.password());
        }
        try (PreparedStatement statement = leadership.prepareStatement("SELECT pg_try_advisory_lock(hashtextextended(?, 0))")) {
            statement.setString(1, "outbox-relay:" + settings.slotName());
            try (ResultSet result = statement.executeQuery()) {
                result.next();
                return result.getBoolean(1);
            }
        }
    }

    private boolean leadershipAlive() {
        try {
            return leadership != null && leadership.isValid(2);
        } catch (SQLException dead) {
            return false;
        }
    }

    /** Ending the session is what releases the advisory lock, also for a relay that dies. */
    private void releaseLeadership() {
        closeQuietly(leadership);
        leadership = null;
    }

    private void closeEngine() {
        DebeziumEngine<RecordChangeEvent<SourceRecord>> current = engine;
        if (current != null) {
            closeQuietly(current);
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception ignored) {
            log.debug("Ignoring a failure while closing {}", closeable, ignored);
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
