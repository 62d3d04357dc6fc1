package org.openwallet.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openwallet.devstack.EmbeddedKafka;
import org.openwallet.platform.HealthStatus;
import org.openwallet.platform.config.WalletProperties;
import org.openwallet.platform.kafka.KafkaCluster;
import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.health.contributor.Health;
import tools.jackson.databind.json.JsonMapper;

/**
 * A consumer never stops silently: an {@link Error} thrown by a handler (here the
 * {@link NoSuchMethodError} of a library built for another version) is not retried as an event
 * failure, nor does it end the consumer's thread. The consumer restarts with backoff, health shows it
 * {@code restarting} (DEGRADED) with the error, and once the handler stops throwing the event is
 * applied and so is the one after it: nothing is skipped. Both ways of applying a poll: in order
 * (parallelism 1) and by key (parallelism above 1). A real Kafka, no database: the handler is not
 * transactional and nothing is poison.
 */
class ConsumerErrorTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    static Path directory;

    static EmbeddedKafka embeddedKafka;
    static KafkaCluster kafka;

    @BeforeAll
    static void startKafka() throws Exception {
        embeddedKafka = EmbeddedKafka.start(directory.resolve("kafka"), 3);
        kafka = new KafkaCluster(embeddedKafka.bootstrapServers(), 3, (short) 1, 1);
    }

    @AfterAll
    static void stopKafka() throws IOException {
        if (embeddedKafka != null) {
            embeddedKafka.close();
        }
    }

    @ParameterizedTest(name = "parallelism {0}")
    @ValueSource(ints = {1, 8})
    void anErrorFromTheHandler_restartsTheConsumer_showsInHealth_andSkipsNothing(int parallelism) {
        ThrowingHandler handler =
                new ThrowingHandler("error-test-" + parallelism, "error-test-" + parallelism, parallelism, 2);
        JsonMapper json = JsonMapper.builder().build();
        WalletProperties properties = new Binder(new MapConfigurationPropertySource(
                        Map.of("wallet.data-dir", directory.resolve("data").toString(), "wallet.roles", "consumers")))
                .bindOrCreate("wallet", WalletProperties.class);
        // Neither the transactions nor the dead letters are reached: the handler is not transactional, nothing is
        // poison.
        EventConsumers consumers = new EventConsumers(
                List.of(handler),
                new StaticListableBeanFactory(Map.of("kafka", kafka)).getBeanProvider(KafkaCluster.class),
                null,
                null,
                json,
                new SimpleMeterRegistry(),
                properties,
                null);
        ConsumerHealth health = new ConsumerHealth(consumers);
        consumers.start();
        try {
            UUID fatal = send(json, handler.topic, "fatal");
            UUID after = send(json, handler.topic, "after");

            await("the consumer restarting, in health")
                    .atMost(WAIT)
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> {
                        Health now = health.health();
                        Map<?, ?> consumer = (Map<?, ?>) now.getDetails().get(handler.name);
                        return HealthStatus.DEGRADED.equals(now.getStatus())
                                && "restarting".equals(consumer.get("state"))
                                && (Long) consumer.get("restarts") >= 1
                                && String.valueOf(consumer.get("lastError"))
                                        .contains("NoSuchMethodError: built for another version");
                    });

            await("the consumer running again, every event applied")
                    .atMost(WAIT)
                    .until(() -> {
                        Health now = health.health();
                        Map<?, ?> consumer = (Map<?, ?>) now.getDetails().get(handler.name);
                        return "UP".equals(now.getStatus().getCode())
                                && "running".equals(consumer.get("state"))
                                && handler.applied.containsAll(List.of(fatal, after));
                    });
            Map<?, ?> consumer = (Map<?, ?>) health.health().getDetails().get(handler.name);
            assertThat((Long) consumer.get("restarts"))
                    .as("a restart for each Error thrown")
                    .isEqualTo(2L);
            assertThat(handler.errorsLeft.get()).isNegative();
        } finally {
            consumers.stop();
        }
    }

    private static UUID send(JsonMapper json, String topic, String key) {
        UUID id = UUID.randomUUID();
        String value = new EventEnvelope<>(id, "test.happened", 1, Instant.now(), "test", Map.of("n", 1)).toJson(json);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        kafka.bootstrapServers(),
                        ProducerConfig.ACKS_CONFIG,
                        "all"),
                new StringSerializer(),
                new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, key, value)).get(30, TimeUnit.SECONDS);
        } catch (Exception failed) {
            throw new IllegalStateException(failed);
        }
        return id;
    }

    /** Throws an Error for the events of key {@code fatal} the first {@code errors} times, then applies them. */
    private static final class ThrowingHandler implements EventHandler {
        final String name;
        final String topic;
        final int parallelism;
        final AtomicInteger errorsLeft;
        final List<UUID> applied = new CopyOnWriteArrayList<>();

        ThrowingHandler(String name, String topic, int parallelism, int errors) {
            this.name = name;
            this.topic = topic;
            this.parallelism = parallelism;
            this.errorsLeft = new AtomicInteger(errors);
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Set<String> topics() {
            return Set.of(topic);
        }

        @Override
        public boolean transactional() {
            return false;
        }

        @Override
        public int parallelism() {
            return parallelism;
        }

        @Override
        public void apply(Event event) {
            if (event.key().equals("fatal") && errorsLeft.getAndDecrement() > 0) {
                throw new NoSuchMethodError("built for another version");
            }
            applied.add(event.id());
        }
    }
}
