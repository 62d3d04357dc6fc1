package org.openwallet.outbox;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.core.ConditionTimeoutException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads a whole topic from its beginning, every partition, as an outside consumer would, and keeps
 * what it read in partition order. Every wait is bounded.
 */
final class TopicReader implements AutoCloseable {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration POLL = Duration.ofMillis(100);

    private final KafkaConsumer<String, String> consumer;
    private final List<ConsumerRecord<String, String>> records = new ArrayList<>();

    TopicReader(String bootstrapServers, String topic, Duration topicWait) {
        consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrapServers,
                        ConsumerConfig.GROUP_ID_CONFIG,
                        "relay-test-" + UUID.randomUUID(),
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        false,
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                        "read_committed"),
                new StringDeserializer(),
                new StringDeserializer());
        // The relay creates its topics when it starts streaming, which may be just after the context is up.
        List<PartitionInfo> partitions;
        try {
            partitions = await("topic " + topic + " appearing")
                    .atMost(topicWait)
                    .pollInterval(POLL)
                    .until(() -> consumer.partitionsFor(topic, Duration.ofSeconds(5)), found -> !found.isEmpty());
        } catch (ConditionTimeoutException absent) {
            consumer.close();
            throw absent;
        }
        List<TopicPartition> assigned = partitions.stream()
                .map(info -> new TopicPartition(topic, info.partition()))
                .toList();
        consumer.assign(assigned);
        consumer.seekToBeginning(assigned);
    }

    /**
     * Polls until {@code done} holds for everything read so far, at most {@code timeout}; returns
     * everything read so far either way (the caller's assertions say what was missing).
     */
    List<ConsumerRecord<String, String>> readUntil(
            Predicate<List<ConsumerRecord<String, String>>> done, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.test(records) && System.nanoTime() < deadline) {
            consumer.poll(POLL).forEach(records::add);
        }
        return List.copyOf(records);
    }

    /** Keeps reading for {@code quiet}, to catch records that should not come (late duplicates). */
    List<ConsumerRecord<String, String>> readFor(Duration quiet) {
        return readUntil(read -> false, quiet);
    }

    @Override
    public void close() {
        consumer.close();
    }

    /** The record's value as JSON, or null for a value that is not JSON (some tests forge records). */
    static JsonNode json(ConsumerRecord<String, String> record) {
        try {
            return record.value() == null ? null : JSON.readTree(record.value());
        } catch (RuntimeException notJson) {
            return null;
        }
    }

    /** The envelope's {@code payload.<field>} as text, or null. */
    static String payloadField(ConsumerRecord<String, String> record, String field) {
        JsonNode event = json(record);
        JsonNode payload = event == null ? null : event.get("payload");
        JsonNode value = payload == null ? null : payload.get(field);
        return value == null || value.isNull() ? null : value.asString();
    }
}
