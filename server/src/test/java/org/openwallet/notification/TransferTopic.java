package org.openwallet.notification;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.openwallet.platform.kafka.KafkaCluster;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Reads and writes the wallet's Kafka topics directly, as a test needs to replay or forge records. */
final class TransferTopic {
    static final String TOPIC = "wallet.transfer";
    static final String DEAD_LETTERS = "wallet.transfer.dlq";
    private static final Duration SEND_WAIT = Duration.ofSeconds(30);
    private static final Duration READ_WAIT = Duration.ofSeconds(30);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final KafkaCluster kafka;

    TransferTopic(KafkaCluster kafka) {
        this.kafka = kafka;
    }

    /** Sends one record as any producer could, and returns where it landed. */
    RecordMetadata send(String topic, String key, String value, Iterable<Header> headers) {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        kafka.bootstrapServers(),
                        ProducerConfig.ACKS_CONFIG,
                        "all"),
                new StringSerializer(),
                new StringSerializer())) {
            return producer.send(new ProducerRecord<>(topic, null, key, value, headers))
                    .get(SEND_WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException failed) {
            throw new IllegalStateException("cannot send to " + topic, failed);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(interrupted);
        }
    }

    RecordMetadata send(String key, String value) {
        return send(TOPIC, key, value, List.of());
    }

    /** Everything in {@code topic} up to its end offsets at the time of the call. */
    List<ConsumerRecord<String, String>> readAll(String topic) {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        kafka.bootstrapServers(),
                        ConsumerConfig.GROUP_ID_CONFIG,
                        "notification-test-" + UUID.randomUUID(),
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        false),
                new StringDeserializer(),
                new StringDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, READ_WAIT).stream()
                    .map(info -> new TopicPartition(topic, info.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, READ_WAIT);
            List<ConsumerRecord<String, String>> records = new ArrayList<>();
            long deadline = System.nanoTime() + READ_WAIT.toNanos();
            while (partitions.stream().anyMatch(partition -> consumer.position(partition) < ends.get(partition))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(
                            "could not read " + topic + " to its end in " + READ_WAIT.toSeconds() + " s");
                }
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.offset() < ends.get(new TopicPartition(record.topic(), record.partition()))) {
                        records.add(record);
                    }
                }
            }
            return records;
        }
    }

    /**
     * The first record of {@code transfer.posted} for this transfer, as the relay published it (the
     * relay delivers at least once, so after a relay restart there may be more).
     */
    ConsumerRecord<String, String> postedRecord(String transferId) {
        return readAll(TOPIC).stream()
                .filter(record -> transferId.equals(
                        payloadField(record.value(), "transfer_id").orElse(null)))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no record of transfer " + transferId + " in " + TOPIC));
    }

    List<ConsumerRecord<String, String>> deadLetters(Predicate<ConsumerRecord<String, String>> which) {
        return readAll(DEAD_LETTERS).stream().filter(which).toList();
    }

    private static Optional<String> payloadField(String value, String field) {
        try {
            JsonNode payload = JSON.readTree(value).get("payload");
            return payload == null || payload.get(field) == null
                    ? Optional.empty()
                    : Optional.of(payload.get(field).asString());
        } catch (RuntimeException notJson) {
            // Other tests put malformed records on the topic on purpose.
            return Optional.empty();
        }
    }
}
