package org.openwallet.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.openwallet.WalletIntegrationTest;
import org.openwallet.platform.kafka.KafkaCluster;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * The relay undisturbed, in the context the other test classes share: N concurrent transfers give
 * exactly N events, each once, keyed by the sender, in each sender's commit order.
 *
 * <p>The failure scenarios (relay stopped, Kafka restarted, a second relay, an outage's lag) each
 * run in a context of their own: {@link OutboxRelayStopTest}, {@link OutboxRelayKafkaRestartTest},
 * {@link OutboxRelayTakeoverTest}, {@link OutboxRelayLagTest}.
 */
class OutboxRelayTest extends WalletIntegrationTest {
    static final int USERS = 10;
    static final int TRANSFERS = 200;
    static final int THREADS = 8;
    static final Duration ARRIVAL_WAIT = Duration.ofSeconds(60);
    /** After all arrived, how long to keep reading for a late duplicate. */
    static final Duration QUIET_WAIT = Duration.ofSeconds(2);

    @Autowired
    KafkaCluster kafka;

    @Test
    void concurrentTransfers_giveExactlyOneEventEach_keyedBySender_inEachSendersCommitOrder() {
        Payments payments = Payments.among(api, transactions, ledger, USERS, THREADS);

        List<Payments.Posted> posted = payments.make(TRANSFERS);

        assertThat(posted).hasSize(TRANSFERS);
        try (TopicReader reader = new TopicReader(kafka.bootstrapServers(), TransferEvents.TOPIC, ARRIVAL_WAIT)) {
            TransferEvents.awaitEvery(reader, posted, ARRIVAL_WAIT);
            Map<String, List<ConsumerRecord<String, String>>> found =
                    TransferEvents.byTransfer(reader.readFor(QUIET_WAIT), TransferEvents.ids(posted));

            assertThat(found).hasSize(TRANSFERS);
            assertThat(found)
                    .as("records per transfer")
                    .allSatisfy((transferId, records) -> assertThat(records).hasSize(1));
            List<ConsumerRecord<String, String>> records =
                    found.values().stream().map(List::getFirst).toList();
            assertThat(records.stream()
                            .map(record -> TopicReader.json(record).get("id").asString())
                            .distinct())
                    .hasSize(TRANSFERS);
            TransferEvents.assertSameEventEachTime(found, posted);
            assertEachSenderInOnePartition_inCommitOrder(records);
        }
    }

    /**
     * A sender's transfers are serialised by the lock on its account, and the transfer id, event id
     * and occurred_at are all taken under that lock, so for one sender they rise in commit order.
     * Records of one partition are listed here in offset order (the reader keeps partition order).
     */
    private static void assertEachSenderInOnePartition_inCommitOrder(List<ConsumerRecord<String, String>> records) {
        Map<String, List<ConsumerRecord<String, String>>> bySender = new LinkedHashMap<>();
        records.stream()
                .sorted(Comparator.<ConsumerRecord<String, String>>comparingInt(ConsumerRecord::partition)
                        .thenComparingLong(ConsumerRecord::offset))
                .forEach(record -> bySender.computeIfAbsent(record.key(), key -> new ArrayList<>())
                        .add(record));
        assertThat(bySender).hasSize(USERS);
        Map<String, Set<Integer>> partitions = new HashMap<>();
        bySender.forEach((sender, own) -> {
            partitions.put(sender, own.stream().map(ConsumerRecord::partition).collect(Collectors.toSet()));
            List<UUID> eventIds = own.stream()
                    .map(record ->
                            UUID.fromString(TopicReader.json(record).get("id").asString()))
                    .toList();
            List<UUID> transferIds = own.stream()
                    .map(record -> UUID.fromString(TopicReader.payloadField(record, "transfer_id")))
                    .toList();
            List<Instant> occurredAt = own.stream()
                    .map(record -> Instant.parse(
                            TopicReader.json(record).get("occurred_at").asString()))
                    .toList();
            assertThat(eventIds)
                    .as("event ids of sender " + sender + " in partition order")
                    .isSortedAccordingTo(UUID::compareTo)
                    .doesNotHaveDuplicates();
            assertThat(transferIds)
                    .as("transfer ids of sender " + sender + " in partition order")
                    .isSortedAccordingTo(UUID::compareTo);
            assertThat(occurredAt)
                    .as("occurred_at of sender " + sender + " in partition order")
                    .isSorted();
            own.forEach(record -> {
                JsonNode event = TopicReader.json(record);
                assertThat(event.get("payload").get("from_user_id").asString()).isEqualTo(sender);
            });
        });
        assertThat(partitions)
                .as("each sender's events are in one partition")
                .allSatisfy((sender, used) -> assertThat(used).hasSize(1));
    }
}
