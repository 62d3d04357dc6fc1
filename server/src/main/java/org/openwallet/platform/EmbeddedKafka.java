package org.openwallet.platform;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Apache Kafka broker in KRaft mode (broker and controller in one node), running inside the
 * wallet's JVM, listening on 127.0.0.1, with its log under a directory that survives restarts.
 *
 * <p>Its two ports are chosen on the first start and kept in {@code ports.properties}, so clients
 * and Debezium's stored offsets see the same broker after a restart. With one node, every internal
 * topic needs replication factor 1 and min ISR 1, or consumer groups and transactions wait forever.
 * Durability here is the broker's page cache: a crashed JVM loses nothing, a power cut may lose the
 * last second; production runs three brokers with {@code min.insync.replicas=2} instead.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);
    private static final Duration STARTUP_WAIT = Duration.ofSeconds(60);
    private static final int NODE_ID = 1;

    private final KafkaRaftServer server;
    private final int port;

    private EmbeddedKafka(KafkaRaftServer server, int port) {
        this.server = server;
        this.port = port;
    }

    public static EmbeddedKafka start(Path directory, int defaultPartitions) throws IOException {
        Files.createDirectories(directory);
        Path logs = directory.resolve("logs");
        int[] ports = ports(directory.resolve("ports.properties"));
        Properties config = new Properties();
        config.putAll(Map.ofEntries(
                Map.entry("process.roles", "broker,controller"),
                Map.entry("node.id", Integer.toString(NODE_ID)),
                Map.entry("controller.quorum.voters", NODE_ID + "@127.0.0.1:" + ports[1]),
                Map.entry("listeners", "PLAINTEXT://127.0.0.1:" + ports[0] + ",CONTROLLER://127.0.0.1:" + ports[1]),
                Map.entry("advertised.listeners", "PLAINTEXT://127.0.0.1:" + ports[0]),
                Map.entry("controller.listener.names", "CONTROLLER"),
                Map.entry("inter.broker.listener.name", "PLAINTEXT"),
                Map.entry("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"),
                Map.entry("log.dirs", logs.toAbsolutePath().toString()),
                Map.entry("num.partitions", Integer.toString(defaultPartitions)),
                Map.entry("default.replication.factor", "1"),
                Map.entry("min.insync.replicas", "1"),
                Map.entry("auto.create.topics.enable", "false"),
                Map.entry("offsets.topic.replication.factor", "1"),
                Map.entry("offsets.topic.num.partitions", "12"),
                Map.entry("transaction.state.log.replication.factor", "1"),
                Map.entry("transaction.state.log.min.isr", "1"),
                Map.entry("transaction.state.log.num.partitions", "4"),
                Map.entry("share.coordinator.state.topic.replication.factor", "1"),
                Map.entry("share.coordinator.state.topic.min.isr", "1"),
                Map.entry("group.initial.rebalance.delay.ms", "0"),
                Map.entry("log.cleaner.dedupe.buffer.size", Integer.toString(2 * 1024 * 1024))));
        KafkaConfig kafkaConfig = new KafkaConfig(config);
        if (!Files.exists(logs.resolve("meta.properties"))) {
            format(logs);
        }
        KafkaRaftServer server = new KafkaRaftServer(kafkaConfig, Time.SYSTEM);
        server.startup();
        EmbeddedKafka kafka = new EmbeddedKafka(server, ports[0]);
        try {
            kafka.awaitReady();
        } catch (IOException | RuntimeException failure) {
            kafka.close();
            throw failure;
        }
        log.info("Kafka (KRaft) is up on 127.0.0.1:{} with its log in {}", ports[0], logs);
        return kafka;
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
    }

    private void awaitReady() throws IOException {
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                5_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                10_000))) {
            long deadline = System.nanoTime() + STARTUP_WAIT.toNanos();
            while (true) {
                try {
                    if (!admin.describeCluster()
                            .nodes()
                            .get(5, TimeUnit.SECONDS)
                            .isEmpty()) {
                        return;
                    }
                } catch (Exception notYet) {
                    if (System.nanoTime() > deadline) {
                        throw new IOException("Kafka did not come up within " + STARTUP_WAIT, notYet);
                    }
                }
                Thread.sleep(100);
            }
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while waiting for Kafka", interrupted);
        }
    }

    private static void format(Path logs) throws IOException {
        try {
            new Formatter()
                    .setClusterId(Uuid.randomUuid().toString())
                    .setNodeId(NODE_ID)
                    .setDirectories(List.of(logs.toAbsolutePath().toString()))
                    .setMetadataLogDirectory(logs.toAbsolutePath().toString())
                    .setControllerListenerName("CONTROLLER")
                    .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                    .setPrintStream(new PrintStream(PrintStream.nullOutputStream()))
                    .run();
        } catch (Exception exception) {
            throw new IOException("Cannot format the Kafka log directory " + logs, exception);
        }
    }

    /** The broker and controller ports: chosen once, then read back on every start. */
    private static int[] ports(Path file) throws IOException {
        Properties ports = new Properties();
        if (Files.exists(file)) {
            try (Reader reader = Files.newBufferedReader(file)) {
                ports.load(reader);
            }
            return new int[] {
                Integer.parseInt(ports.getProperty("broker")), Integer.parseInt(ports.getProperty("controller"))
            };
        }
        int broker = EmbeddedRedis.freePort();
        int controller = EmbeddedRedis.freePort();
        while (controller == broker) {
            controller = EmbeddedRedis.freePort();
        }
        ports.setProperty("broker", Integer.toString(broker));
        ports.setProperty("controller", Integer.toString(controller));
        try (Writer writer = Files.newBufferedWriter(file)) {
            ports.store(writer, "Ports of the embedded Kafka broker, kept across restarts");
        }
        return new int[] {broker, controller};
    }
}
