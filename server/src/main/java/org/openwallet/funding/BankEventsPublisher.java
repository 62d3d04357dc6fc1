package org.openwallet.funding;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.openwallet.platform.kafka.KafkaCluster;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/**
 * Writes verified bank events to {@code bank.events} and waits until Kafka has them durably
 * ({@code acks=all}, idempotent producer): only then may the webhook answer 2xx.
 */
@Component
class BankEventsPublisher implements AutoCloseable {
    static final String TOPIC = "bank.events";
    static final Duration SEND_TIMEOUT = Duration.ofSeconds(5);

    private final ObjectProvider<KafkaCluster> kafka;
    private volatile KafkaProducer<String, String> producer;

    BankEventsPublisher(ObjectProvider<KafkaCluster> kafka) {
        this.kafka = kafka;
    }

    /** Publishes and waits; false if Kafka did not take it in time (the caller answers 503 and the bank retries). */
    boolean publish(String key, String envelope) {
        try {
            producer()
                    .send(new ProducerRecord<>(TOPIC, key, envelope))
                    .get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (ExecutionException | TimeoutException | RuntimeException failed) {
            return false;
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private KafkaProducer<String, String> producer() {
        KafkaProducer<String, String> current = producer;
        if (current == null) {
            synchronized (this) {
                if (producer == null) {
                    KafkaCluster cluster = kafka.getObject();
                    cluster.ensureTopics(List.of(TOPIC, TOPIC + ".dlq"));
                    producer = new KafkaProducer<>(
                            Map.of(
                                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                                    cluster.bootstrapServers(),
                                    ProducerConfig.ACKS_CONFIG,
                                    "all",
                                    ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                                    true,
                                    ProducerConfig.MAX_BLOCK_MS_CONFIG,
                                    (int) SEND_TIMEOUT.toMillis(),
                                    ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
                                    (int) SEND_TIMEOUT.toMillis(),
                                    ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG,
                                    (int) SEND_TIMEOUT.toMillis() - 500,
                                    ProducerConfig.LINGER_MS_CONFIG,
                                    0,
                                    ProducerConfig.CLIENT_ID_CONFIG,
                                    "wallet-bank-webhooks"),
                            new StringSerializer(),
                            new StringSerializer());
                }
                current = producer;
            }
        }
        return current;
    }

    @Override
    public synchronized void close() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
    }
}
