package org.openwallet.events;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.openwallet.platform.config.WalletProperties;
import org.openwallet.platform.database.Transactions;
import org.openwallet.platform.kafka.KafkaCluster;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/** Runs every {@link EventHandler} bean as its own consumer, in the processes that have the handler's role. */
@Component
class EventConsumers implements SmartLifecycle {
    private final List<EventHandler> handlers;
    private final ObjectProvider<KafkaCluster> kafka;
    private final Transactions transactions;
    private final JdbcClient jdbc;
    private final JsonMapper json;
    private final MeterRegistry meters;
    private final DeadLetters deadLetterStore;
    private final List<ConsumerLoop> loops = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private KafkaProducer<String, String> deadLetters;
    private volatile boolean running;

    EventConsumers(
            List<EventHandler> handlers,
            ObjectProvider<KafkaCluster> kafka,
            Transactions transactions,
            JdbcClient jdbc,
            JsonMapper json,
            MeterRegistry meters,
            WalletProperties properties,
            DeadLetters deadLetterStore) {
        this.handlers = handlers.stream()
                .filter(handler -> properties.runs(handler.role()))
                .toList();
        this.kafka = kafka;
        this.transactions = transactions;
        this.jdbc = jdbc;
        this.json = json;
        this.meters = meters;
        this.deadLetterStore = deadLetterStore;
    }

    @Override
    public boolean isAutoStartup() {
        return !handlers.isEmpty();
    }

    @Override
    public synchronized void start() {
        KafkaCluster cluster = kafka.getObject();
        List<String> topics = new ArrayList<>();
        handlers.forEach(handler -> handler.topics().forEach(topic -> {
            topics.add(topic);
            topics.add(topic + ".dlq");
        }));
        cluster.ensureTopics(topics.stream().distinct().toList());
        deadLetters = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        cluster.bootstrapServers(),
                        ProducerConfig.ACKS_CONFIG,
                        "all",
                        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                        true,
                        ProducerConfig.CLIENT_ID_CONFIG,
                        "wallet-dead-letters"),
                new StringSerializer(),
                new StringSerializer());
        for (EventHandler handler : handlers) {
            ConsumerLoop loop =
                    new ConsumerLoop(handler, cluster, transactions, jdbc, json, deadLetters, deadLetterStore);
            Gauge.builder("wallet.consumer.lag", loop, ConsumerLoop::lag)
                    .tag("consumer", handler.name())
                    .description("Records the consumer has yet to process")
                    .register(meters);
            FunctionCounter.builder("wallet.consumer.restarts", loop, ConsumerLoop::restarts)
                    .tag("consumer", handler.name())
                    .description("Times the consumer failed as a whole and was started again")
                    .register(meters);
            loops.add(loop);
            threads.add(Thread.ofPlatform().name("consumer-" + handler.name()).start(loop));
        }
        running = true;
    }

    @Override
    public synchronized void stop() {
        loops.forEach(ConsumerLoop::stop);
        for (Thread thread : threads) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        if (deadLetters != null) {
            deadLetters.close();
        }
        loops.clear();
        threads.clear();
        running = false;
    }

    /** The consumers this process runs, for health. */
    List<ConsumerLoop> loops() {
        return List.copyOf(loops);
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
