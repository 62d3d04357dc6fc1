package org.openwallet.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.openwallet.outbox.Outbox;
import org.openwallet.platform.database.Transactions;
import org.openwallet.platform.kafka.KafkaCluster;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.Lifecycle;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./wallet bench-events [--events N] [--writers N] [--rate N] [spring args...]}: the outbox
 * relay's commit-to-Kafka latency and throughput, measured end to end on a throwaway wallet.
 *
 * <p>Starts the whole application (roles {@code api,relay}; no consumers) on a fresh temporary data
 * directory, so embedded PostgreSQL, Redis, Kafka and Cassandra whatever the environment points at, and runs:
 * <ol>
 *   <li><b>Latency.</b> Writers append events through {@link Outbox}, each in its own committed
 *       transaction, at a steady pace ({@code --rate} events per second over all writers). Each
 *       event's commit time is taken when its commit returns; a Kafka consumer polling in a thread of
 *       its own takes each receive time. Latency is receive minus commit: the insert's trip through
 *       the WAL, Debezium, the relay's producer, the broker and a consumer's fetch. A steady pace
 *       below saturation measures the path, not a queue: on two cores the writers, PostgreSQL,
 *       Debezium, the broker and the consumer all share the CPU.</li>
 *   <li><b>Throughput.</b> With the relay stopped, as many events are committed (in transactions of
 *       {@value #DRAIN_BATCH} events); then the relay starts and the time from the first to the last
 *       event received gives the rate at which it drains a backlog.</li>
 * </ol>
 * Other arguments go to Spring, e.g. {@code --wallet.outbox.poll-interval=500ms} to see Debezium's
 * default.
 *
 * <p>It writes through the outbox's public API ({@link Outbox}, {@link Transactions}), as every
 * capability that publishes does, and observes as the consumers do, from Kafka. The relay is stopped
 * and started through Spring's {@link Lifecycle} contract of its bean ({@value #RELAY_BEAN}), and the
 * poll interval is read from the wallet's {@code configprops} endpoint on the management port: nothing
 * in the outbox module is public for this benchmark.
 *
 * <p>This is the {@code bench-events} command of {@link Benchmarks}' picocli command line: its options
 * are the annotated fields, and {@link #validate} applies their bounds and checks the Spring settings
 * before anything starts.
 */
@Command(
        name = "bench-events",
        header = "The outbox relay's commit-to-Kafka latency and throughput on a throwaway wallet.",
        synopsisHeading = "usage: ",
        customSynopsis = "./wallet bench-events [options] [--spring.property=value ...]",
        description = {
            "  The wallet runs with roles api and relay on a temporary data directory, everything embedded.",
            "  Latency: writers commit events one per transaction at a steady --rate, after "
                    + RelayLatencyBenchmark.WARM_UP_EVENTS + " unmeasured ones;",
            "  a Kafka consumer takes each receive time. Throughput: as many events committed with the relay",
            "  stopped, then the time the relay takes to drain them."
        },
        optionListHeading = "%n",
        footer = {
            "      --x.y=z       any other wallet setting, as for ./wallet run",
            "                    (e.g. --wallet.outbox.poll-interval=500ms to see Debezium's default)"
        },
        sortOptions = false,
        usageHelpWidth = Benchmarks.USAGE_WIDTH)
public final class RelayLatencyBenchmark extends BenchmarkCommand {
    static final int DEFAULT_EVENTS = 5_000;
    static final int MAX_EVENTS = 1_000_000;
    static final int DEFAULT_WRITERS = 4;
    static final int MAX_WRITERS = 64;
    /** Events per second over all writers; 0 writes as fast as the writers can. */
    static final int DEFAULT_RATE = 500;

    static final int MAX_RATE = 100_000;
    /** Events sent first and not measured: they wait for the pipeline to be up and warm the JIT. */
    static final int WARM_UP_EVENTS = 500;
    /** Events per transaction in the throughput phase. */
    static final int DRAIN_BATCH = 100;

    static final Duration PIPELINE_WAIT = Duration.ofSeconds(60);
    static final Duration RECEIVE_WAIT = Duration.ofSeconds(60);
    static final String AGGREGATE_TYPE = "benchmark";
    static final String TOPIC = "wallet." + AGGREGATE_TYPE;
    static final String EVENT_TYPE = "benchmark.probe";
    /** Keys spread over this many owners, so the events use every partition as real traffic does. */
    static final int OWNERS = 100;
    /** The relay's bean (outbox.OutboxConfiguration#outboxRelay), a {@link Lifecycle}. */
    static final String RELAY_BEAN = "outboxRelay";
    /** Where the relay's settings are bound, and the one of them this benchmark prints. */
    static final String RELAY_SETTINGS_PREFIX = "wallet.outbox";

    static final String POLL_INTERVAL = "pollInterval";

    @Option(
            names = "--events",
            paramLabel = "N",
            description = "events per phase (1-" + MAX_EVENTS + ", default " + DEFAULT_EVENTS + ")")
    private int events = DEFAULT_EVENTS;

    @Option(
            names = "--writers",
            paramLabel = "N",
            description = "writers of the latency phase (1-" + MAX_WRITERS + ", default " + DEFAULT_WRITERS + ")")
    private int writers = DEFAULT_WRITERS;

    @Option(
            names = "--rate",
            paramLabel = "EVENTS_PER_SECOND",
            description = "over all writers (0-" + MAX_RATE + "; 0 = unpaced, default " + DEFAULT_RATE + ")")
    private int rate = DEFAULT_RATE;

    /** The command, which starts {@code applicationClass} (the wallet's) as its throwaway wallet. */
    RelayLatencyBenchmark(Class<?> applicationClass) {
        super(applicationClass);
    }

    @Override
    void validate(CommandLine commandLine) {
        requireBetween(commandLine, "--events", events, 1, MAX_EVENTS);
        requireBetween(commandLine, "--writers", writers, 1, MAX_WRITERS);
        requireBetween(commandLine, "--rate", rate, 0, MAX_RATE);
    }

    int events() {
        return events;
    }

    int writers() {
        return writers;
    }

    /** Events per second over all writers; 0 writes as fast as the writers can. */
    int rate() {
        return rate;
    }

    @Override
    int run() {
        Path dataDir;
        try {
            dataDir = Files.createTempDirectory("wallet-bench-events-");
        } catch (IOException failure) {
            System.err.println("bench-events: cannot create a temporary data directory: " + failure.getMessage());
            return 1;
        }
        SpringApplication application = new SpringApplication(applicationClass);
        application.setDefaultProperties(Map.of(
                "logging.level.root",
                "WARN",
                "springdoc.api-docs.enabled",
                "false",
                "springdoc.swagger-ui.enabled",
                "false"));
        List<String> springArgs = new ArrayList<>(springArgs());
        // Everything embedded and throwaway, whatever WALLET_* variables say: never a real database.
        springArgs.addAll(List.of(
                "--wallet.data-dir=" + dataDir,
                "--wallet.database.url=",
                "--wallet.redis.url=",
                "--wallet.redis.cluster-nodes=",
                "--wallet.kafka.bootstrap-servers=",
                "--wallet.cassandra.contact-points=",
                "--wallet.roles=api,relay",
                "--wallet.demo.enabled=false",
                "--server.port=0",
                "--server.address=127.0.0.1",
                "--management.server.port=0",
                // The relay's settings as the wallet bound them, defaults included (the management port is loopback).
                "--management.endpoints.web.exposure.include=health,prometheus,configprops",
                "--management.endpoint.configprops.show-values=always"));
        System.out.println(
                "bench-events: starting a throwaway wallet (api, relay; embedded PostgreSQL, Redis, Kafka, Cassandra) in "
                        + dataDir);
        try (ConfigurableApplicationContext context = application.run(springArgs.toArray(String[]::new))) {
            Run run = new Run(
                    context.getBean(Outbox.class),
                    context.getBean(Transactions.class),
                    context.getBean(KafkaCluster.class),
                    context.getBean(RELAY_BEAN, Lifecycle.class),
                    this);
            ManagementEndpoint management = ManagementEndpoint.of(context);
            System.out.printf(
                    Locale.ROOT,
                    "bench-events: %d events, wallet.outbox.poll-interval=%d ms%n",
                    events(),
                    management
                            .durationProperty(RELAY_SETTINGS_PREFIX, POLL_INTERVAL)
                            .toMillis());
            return run.measure() ? 0 : 1;
        } finally {
            deleteRecursively(dataDir);
        }
    }

    /** The measurement: commit and receive times by event id, and the consumer that takes the latter. */
    private static final class Run {
        private final Outbox outbox;
        private final Transactions transactions;
        private final KafkaCluster kafka;
        private final Lifecycle relay;
        private final RelayLatencyBenchmark options;
        private final Map<String, Long> committedNanos = new ConcurrentHashMap<>();
        private final Map<String, Long> receivedNanos = new ConcurrentHashMap<>();

        Run(
                Outbox outbox,
                Transactions transactions,
                KafkaCluster kafka,
                Lifecycle relay,
                RelayLatencyBenchmark options) {
            this.outbox = outbox;
            this.transactions = transactions;
            this.kafka = kafka;
            this.relay = relay;
            this.options = options;
        }

        /** Runs both phases and prints their figures; false when an event did not arrive. */
        boolean measure() {
            kafka.ensureTopics(List.of(TOPIC));
            // The consumer polls in a thread of its own from before the first write, so each receive
            // time is taken when the record arrives, not when the writers are done.
            AtomicBoolean receiving = new AtomicBoolean(true);
            CountDownLatch assigned = new CountDownLatch(1);
            AtomicReference<RuntimeException> receiverFailure = new AtomicReference<>();
            Thread receiver = Thread.ofPlatform().name("bench-events-receiver").start(() -> {
                try (KafkaConsumer<String, String> consumer = consumer()) {
                    assigned.countDown();
                    while (receiving.get()) {
                        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(50))) {
                            long now = System.nanoTime();
                            Header id = record.headers().lastHeader("id");
                            if (id != null) {
                                receivedNanos.putIfAbsent(new String(id.value(), StandardCharsets.UTF_8), now);
                            }
                        }
                    }
                } catch (RuntimeException failure) {
                    receiverFailure.set(failure);
                    assigned.countDown();
                }
            });
            try {
                if (!assigned.await(PIPELINE_WAIT.toSeconds(), TimeUnit.SECONDS) || receiverFailure.get() != null) {
                    throw new IllegalStateException("the benchmark's consumer could not start", receiverFailure.get());
                }
                // Warm-up: also proves the relay is streaming before anything is measured.
                List<String> warmUp = write(WARM_UP_EVENTS, 1, 0);
                if (!awaitReceived(warmUp, PIPELINE_WAIT)) {
                    throw new IllegalStateException(
                            "the relay did not deliver the warm-up events within " + PIPELINE_WAIT);
                }
                return latency() & throughput();
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(interrupted);
            } finally {
                receiving.set(false);
                try {
                    receiver.join(TimeUnit.SECONDS.toMillis(10));
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        private boolean latency() throws InterruptedException {
            long start = System.nanoTime();
            List<String> ids = write(options.events(), options.writers(), options.rate());
            long committed = System.nanoTime();
            boolean all = awaitReceived(ids, RECEIVE_WAIT);
            long[] latencies = ids.stream()
                    .filter(receivedNanos::containsKey)
                    .mapToLong(id -> Math.max(0, receivedNanos.get(id) - committedNanos.get(id)))
                    .sorted()
                    .toArray();
            long lastReceived = ids.stream()
                    .filter(receivedNanos::containsKey)
                    .mapToLong(receivedNanos::get)
                    .max()
                    .orElse(committed);
            System.out.printf(
                    Locale.ROOT,
                    "  latency: one event per transaction from %d writers, paced at %s%n",
                    options.writers(),
                    options.rate() == 0 ? "their fastest" : options.rate() + " events/s");
            System.out.printf(
                    Locale.ROOT,
                    "    committed %.0f events/s, received %.0f events/s%n",
                    ids.size() / seconds(committed - start),
                    latencies.length / seconds(lastReceived - start));
            if (latencies.length > 0) {
                System.out.printf(
                        Locale.ROOT,
                        "    commit -> consumer: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                        millis(percentile(latencies, 0.50)),
                        millis(percentile(latencies, 0.90)),
                        millis(percentile(latencies, 0.99)),
                        millis(latencies[latencies.length - 1]));
            }
            return reportMissing(ids.size() - latencies.length) && all;
        }

        private boolean throughput() throws InterruptedException {
            relay.stop();
            List<String> ids;
            try {
                ids = writeBatches(options.events());
            } finally {
                relay.start();
            }
            boolean all = awaitReceived(ids, RECEIVE_WAIT);
            long[] received = ids.stream()
                    .filter(receivedNanos::containsKey)
                    .mapToLong(receivedNanos::get)
                    .sorted()
                    .toArray();
            System.out.printf(
                    Locale.ROOT,
                    "  throughput: %d events committed while the relay was stopped, in transactions of %d%n",
                    ids.size(),
                    DRAIN_BATCH);
            if (received.length > 1) {
                long drainNanos = received[received.length - 1] - received[0];
                System.out.printf(
                        Locale.ROOT,
                        "    drained in %.2f s once it streamed: %.0f events/s%n",
                        seconds(drainNanos),
                        (received.length - 1) / seconds(drainNanos));
            }
            return reportMissing(ids.size() - received.length) && all;
        }

        private static boolean reportMissing(int missing) {
            if (missing > 0) {
                System.out.printf(
                        Locale.ROOT,
                        "    MISSING: %d events did not arrive within %d s%n",
                        missing,
                        RECEIVE_WAIT.toSeconds());
            }
            return missing == 0;
        }

        /**
         * Appends {@code count} events from {@code writers} threads, each in its own transaction; the
         * i-th event is due at start + i / rate (rate 0: no pacing), so a writer that falls behind
         * catches up instead of lowering the pace. Returns their ids.
         */
        private List<String> write(int count, int writers, int rate) {
            AtomicInteger next = new AtomicInteger();
            List<String> ids = java.util.Collections.synchronizedList(new ArrayList<>(count));
            long start = System.nanoTime();
            try (ExecutorService pool = Executors.newFixedThreadPool(writers)) {
                List<Future<?>> running = new ArrayList<>();
                for (int w = 0; w < writers; w++) {
                    running.add(pool.submit(() -> {
                        for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                            if (rate > 0) {
                                long wait = start + i * 1_000_000_000L / rate - System.nanoTime();
                                if (wait > 0) {
                                    java.util.concurrent.locks.LockSupport.parkNanos(wait);
                                }
                            }
                            UUID id = transactions.run(() -> outbox.append(event()));
                            committedNanos.put(id.toString(), System.nanoTime());
                            ids.add(id.toString());
                        }
                    }));
                }
                for (Future<?> writer : running) {
                    writer.get();
                }
            } catch (Exception failure) {
                throw new IllegalStateException("writing benchmark events failed", failure);
            }
            return List.copyOf(ids);
        }

        /** Appends {@code count} events in transactions of {@link #DRAIN_BATCH}, from this thread. */
        private List<String> writeBatches(int count) {
            List<String> ids = new ArrayList<>(count);
            for (int done = 0; done < count; done += DRAIN_BATCH) {
                int size = Math.min(DRAIN_BATCH, count - done);
                ids.addAll(transactions.run(() -> {
                    List<String> batch = new ArrayList<>(size);
                    for (int i = 0; i < size; i++) {
                        batch.add(outbox.append(event()).toString());
                    }
                    return batch;
                }));
            }
            return ids;
        }

        /** Waits until every id was received or the wait is over; true when all arrived. */
        private boolean awaitReceived(List<String> ids, Duration wait) throws InterruptedException {
            long deadline = System.nanoTime() + wait.toNanos();
            while (!receivedNanos.keySet().containsAll(ids)) {
                if (System.nanoTime() > deadline) {
                    return false;
                }
                Thread.sleep(10);
            }
            return true;
        }

        private KafkaConsumer<String, String> consumer() {
            KafkaConsumer<String, String> consumer = new KafkaConsumer<>(
                    Map.of(
                            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                            kafka.bootstrapServers(),
                            ConsumerConfig.GROUP_ID_CONFIG,
                            "bench-events-" + UUID.randomUUID(),
                            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                            false,
                            // A consumer as eager as it can be: the broker answers a fetch as soon as anything is
                            // there.
                            ConsumerConfig.FETCH_MIN_BYTES_CONFIG,
                            1,
                            ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG,
                            10),
                    new StringDeserializer(),
                    new StringDeserializer());
            // A topic just created takes a moment to show in the metadata.
            long deadline = System.nanoTime() + PIPELINE_WAIT.toNanos();
            List<TopicPartition> partitions = List.of();
            while (partitions.isEmpty()) {
                if (System.nanoTime() > deadline) {
                    consumer.close();
                    throw new IllegalStateException(TOPIC + " has no partitions after " + PIPELINE_WAIT);
                }
                partitions = consumer.partitionsFor(TOPIC, Duration.ofSeconds(5)).stream()
                        .map(info -> new TopicPartition(TOPIC, info.partition()))
                        .toList();
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            return consumer;
        }

        /** A payload of the size and shape of a {@code transfer.posted}. */
        private static Outbox.Event event() {
            UUID owner =
                    new UUID(0, java.util.concurrent.ThreadLocalRandom.current().nextInt(OWNERS));
            Map<String, Object> payload = new LinkedHashMap<>();
            payload.put("transfer_id", UUID.randomUUID().toString());
            payload.put("from_user_id", owner.toString());
            payload.put("from_handle", "bench_sender");
            payload.put("to_user_id", UUID.randomUUID().toString());
            payload.put("to_handle", "bench_receiver");
            payload.put("amount", "12.50");
            payload.put("currency", "USD");
            payload.put("note", "benchmark");
            payload.put("visibility", "private");
            payload.put("created_at", java.time.Instant.now().toString());
            return new Outbox.Event(
                    AGGREGATE_TYPE, payload.get("transfer_id").toString(), owner.toString(), EVENT_TYPE, 1, payload);
        }
    }

    /** Nearest-rank percentile of sorted values. */
    static long percentile(long[] sorted, double quantile) {
        int rank = (int) Math.ceil(quantile * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    private static double millis(long nanos) {
        return nanos / 1e6;
    }

    private static double seconds(long nanos) {
        return Math.max(nanos, 1) / 1e9;
    }

    private static void deleteRecursively(Path directory) {
        try {
            Files.walkFileTree(directory, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException failure) throws IOException {
                    Files.delete(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException failure) {
            System.err.println("bench-events: could not delete " + directory + ": " + failure.getMessage());
        }
    }
}
