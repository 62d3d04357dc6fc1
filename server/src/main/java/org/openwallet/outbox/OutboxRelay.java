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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.source.SourceRecord;
import org.openwallet.platform.config.WalletProperties;
import org.openwallet.platform.database.DatabaseEndpoint;
import org.openwallet.platform.kafka.KafkaCluster;
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
    /** How long {@link #stop()} waits for the engine to end before interrupting the worker. */
    private static final Duration STOP_WAIT = Duration.ofSeconds(30);
    /** How long a close waits for the engine's tasks to start (see {@link #closeEngine()}). */
    private static final Duration CLOSE_RETRY_WAIT = Duration.ofSeconds(30);

    private static final Duration CLOSE_RETRY_INTERVAL = Duration.ofMillis(100);

    private final RelaySettings settings;
    private final DatabaseEndpoint database;
    private final KafkaCluster kafka;
    private final JdbcClient jdbc;
    private final boolean autoStartup;
    private volatile boolean running;
    private volatile boolean leader;
    private volatile Thread worker;
    private volatile Engine engine;
    private volatile Connection leadership;

    OutboxRelay(
            RelaySettings settings,
            DatabaseEndpoint database,
            KafkaCluster kafka,
            JdbcClient jdbc,
            WalletProperties properties) {
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
        Thread current = worker;
        if (current != null) {
            try {
                // Closing the engine ends the worker's stream. The close is repeated until the worker
                // ends: the worker may build a new engine just after the first close found none.
                long deadline = System.nanoTime() + STOP_WAIT.toNanos();
                while (current.isAlive() && System.nanoTime() < deadline) {
                    closeEngine();
                    current.join(CLOSE_RETRY_INTERVAL.toMillis());
                }
                // Interrupt only a worker that is stuck.
                if (current.isAlive()) {
                    log.warn("Outbox relay did not stop within {}; interrupting it", STOP_WAIT);
                    current.interrupt();
                    current.join(TimeUnit.SECONDS.toMillis(10));
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
                log.info(
                        "Outbox relay leads slot {}; streaming to Kafka at {}",
                        settings.slotName(),
                        kafka.bootstrapServers());
                kafka.ensureTopics(settings.aggregateTypes().stream()
                        .map(type -> "wallet." + type)
                        .toList());
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
                backoff = backoff.multipliedBy(2).compareTo(MAX_RESTART_BACKOFF) > 0
                        ? MAX_RESTART_BACKOFF
                        : backoff.multipliedBy(2);
            }
        }
    }

    /** A Debezium engine, and whether its tasks have started (only then may it be closed safely). */
    private record Engine(DebeziumEngine<RecordChangeEvent<SourceRecord>> debezium, CountDownLatch tasksStarted) {}

    /** Runs the engine in this thread until it stops, closing it if the leadership session dies. */
    private void stream(KafkaProducer<String, String> producer) {
        CountDownLatch tasksStarted = new CountDownLatch(1);
        DebeziumEngine<RecordChangeEvent<SourceRecord>> debezium = DebeziumEngine.create(
                        ChangeEventFormat.of(Connect.class))
                .using(engineProperties())
                .using(new DebeziumEngine.ConnectorCallback() {
                    @Override
                    public void taskStarted() {
                        tasksStarted.countDown();
                    }
                })
                .notifying((records, committer) -> {
                    List<Future<RecordMetadata>> acknowledgements = new ArrayList<>(records.size());
                    String lastEventId = null;
                    for (RecordChangeEvent<SourceRecord> change : records) {
                        SourceRecord record = change.record();
                        if (record.topic().startsWith(HEARTBEAT_TOPIC_PREFIX)) {
                            continue;
                        }
                        ProducerRecord<String, String> outgoing = new ProducerRecord<>(
                                record.topic(), null, (String) record.key(), (String) record.value());
                        for (Header header : record.headers()) {
                            outgoing.headers()
                                    .add(
                                            header.key(),
                                            String.valueOf(header.value()).getBytes(StandardCharsets.UTF_8));
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
        Engine current = new Engine(debezium, tasksStarted);
        engine = current;
        if (!running) {
            // stop() came while this engine was being built and may have found no engine to close.
            engine = null;
            closeQuietly(debezium);
            return;
        }
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
            debezium.run();
        } finally {
            leader = false;
            engine = null;
            watchdog.interrupt();
            closeQuietly(debezium);
        }
    }

    private Properties engineProperties() {
        Properties properties = new Properties();
        properties.putAll(Map.ofEntries(
                Map.entry("name", "wallet-outbox-relay"),
                Map.entry("connector.class", "io.debezium.connector.postgresql.PostgresConnector"),
                Map.entry("offset.storage", RelayOffsetStore.class.getName()),
                Map.entry("offset.storage.topic", "wallet.relay.offsets"),
                Map.entry("offset.storage.partitions", "1"),
                Map.entry("offset.storage.replication.factor", Short.toString(kafka.replicationFactor())),
                Map.entry(
                        "offset.flush.interval.ms",
                        Long.toString(settings.offsetFlushInterval().toMillis())),
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
                // pgoutput also streams logical decoding messages (pg_logical_emit_message, which any extension or tool
                // may
                // write); they are not outbox events, and relaying one would stop the relay.
                Map.entry("message.prefix.exclude.list", ".*"),
                Map.entry("tombstones.on.delete", "false"),
                Map.entry(
                        "poll.interval.ms",
                        Long.toString(settings.pollInterval().toMillis())),
                Map.entry("max.batch.size", Integer.toString(settings.maxBatchSize())),
                Map.entry("max.queue.size", Integer.toString(settings.maxQueueSize())),
                Map.entry(
                        "heartbeat.interval.ms",
                        Long.toString(settings.heartbeatInterval().toMillis())),
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
        return new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        kafka.bootstrapServers(),
                        ProducerConfig.ACKS_CONFIG,
                        "all",
                        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                        true,
                        ProducerConfig.LINGER_MS_CONFIG,
                        0,
                        ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
                        30_000,
                        ProducerConfig.CLIENT_ID_CONFIG,
                        "wallet-outbox-relay"),
                new StringSerializer(),
                new StringSerializer());
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
            leadership = DriverManager.getConnection(
                    "jdbc:postgresql://" + database.host() + ":" + database.port() + "/" + database.database()
                            + "?ApplicationName=wallet-outbox-relay-leadership",
                    database.username(),
                    database.password());
        }
        try (PreparedStatement statement =
                leadership.prepareStatement("SELECT pg_try_advisory_lock(hashtextextended(?, 0))")) {
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

    /**
     * Asks the running engine to stop, once its tasks have started. Debezium 3.6 mishandles a close
     * that comes earlier: while the tasks start it refuses the close (IllegalStateException), and the
     * engine goes on streaming after the relay stopped; while the connector initialises it accepts
     * the close but still starts the Kafka offset store, which then nothing stops (a producer, a
     * consumer and an admin client left running per restart). So the close waits until the tasks
     * have started or the engine has ended by itself, asks again while it is refused, and gives up
     * only after a bound (an engine that cannot start, e.g. with Kafka down, is closed anyway).
     */
    private void closeEngine() {
        Engine current = engine;
        long deadline = System.nanoTime() + CLOSE_RETRY_WAIT.toNanos();
        try {
            while (current != null
                    && engine == current
                    && System.nanoTime() < deadline
                    && !current.tasksStarted().await(CLOSE_RETRY_INTERVAL.toMillis(), TimeUnit.MILLISECONDS)) {
                // Still starting: wait on.
            }
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
        while (current != null && engine == current) {
            try {
                current.debezium().close();
                return;
            } catch (IllegalStateException refused) {
                // Tasks still starting, or already stopping: either way, look again shortly.
                if (System.nanoTime() > deadline) {
                    log.warn("Debezium engine refused to close within {}: {}", CLOSE_RETRY_WAIT, refused.getMessage());
                    return;
                }
                sleep(CLOSE_RETRY_INTERVAL);
            } catch (Exception failure) {
                log.debug("Ignoring a failure while closing the Debezium engine", failure);
                return;
            }
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
