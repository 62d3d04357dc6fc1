package org.openwallet.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.openwallet.Api;
import tools.jackson.databind.JsonNode;

/** What the relay tests check on {@code wallet.transfer}: which transfers' events arrived, and how often. */
final class TransferEvents {
    static final String TOPIC = "wallet.transfer";

    private TransferEvents() {}

    /** The records of {@code transfer.posted} for the given transfers, grouped by transfer id, in read order. */
    static Map<String, List<ConsumerRecord<String, String>>> byTransfer(
            List<ConsumerRecord<String, String>> records, Set<String> transferIds) {
        Map<String, List<ConsumerRecord<String, String>>> found = new LinkedHashMap<>();
        for (ConsumerRecord<String, String> record : records) {
            String transferId = TopicReader.payloadField(record, "transfer_id");
            if (transferId != null && transferIds.contains(transferId)) {
                found.computeIfAbsent(transferId, id -> new ArrayList<>()).add(record);
            }
        }
        return found;
    }

    static Set<String> ids(List<Payments.Posted> posted) {
        return posted.stream().map(Payments.Posted::transferId).collect(Collectors.toSet());
    }

    /**
     * Reads until every posted transfer's event arrived (bounded), then asserts none is missing and
     * returns the records found for them. Duplicates are allowed here: delivery is at least once.
     */
    static Map<String, List<ConsumerRecord<String, String>>> awaitEvery(
            TopicReader reader, List<Payments.Posted> posted, Duration timeout) {
        Set<String> expected = ids(posted);
        assertThat(expected).as("transfer ids are unique").hasSize(posted.size());
        List<ConsumerRecord<String, String>> records =
                reader.readUntil(read -> byTransfer(read, expected).size() == expected.size(), timeout);
        Map<String, List<ConsumerRecord<String, String>>> found = byTransfer(records, expected);
        Set<String> missing = new java.util.HashSet<>(expected);
        missing.removeAll(found.keySet());
        assertThat(missing)
                .as("transfers whose transfer.posted never reached " + TOPIC + " within " + timeout.toSeconds() + " s")
                .isEmpty();
        return found;
    }

    /** Every record of a transfer is the same event: one event id, the sender as key, the type header. */
    static void assertSameEventEachTime(
            Map<String, List<ConsumerRecord<String, String>>> found, List<Payments.Posted> posted) {
        Map<String, Payments.Posted> byId = new HashMap<>();
        posted.forEach(one -> byId.put(one.transferId(), one));
        found.forEach((transferId, records) -> {
            Set<String> eventIds = records.stream()
                    .map(record -> TopicReader.json(record).get("id").asString())
                    .collect(Collectors.toSet());
            assertThat(eventIds).as("event ids of transfer " + transferId).hasSize(1);
            for (ConsumerRecord<String, String> record : records) {
                assertThat(record.key())
                        .as("key of transfer " + transferId)
                        .isEqualTo(byId.get(transferId).fromUserId().toString());
                assertThat(header(record, "id")).isEqualTo(eventIds.iterator().next());
                assertThat(header(record, "type")).isEqualTo("transfer.posted");
            }
        });
    }

    static String header(ConsumerRecord<String, String> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    /**
     * The consumer side of "duplicates change nothing": each receiver has exactly one notification
     * per transfer it received, however often the event was delivered. Waits (bounded) for the
     * notification consumer to catch up first.
     */
    static void assertOneNotificationPerTransfer(
            Api api, List<Api.User> users, List<Payments.Posted> posted, Duration timeout) {
        Set<String> expected = ids(posted);
        Map<String, Long> counts = await("a notification of every transfer")
                .atMost(timeout)
                .pollInterval(Duration.ofMillis(200))
                .until(
                        () -> notificationCounts(api, users, expected),
                        found -> found.keySet().containsAll(expected));
        assertThat(counts)
                .as("notifications per transfer")
                .allSatisfy((transferId, count) -> assertThat(count).isEqualTo(1L));
        Map<String, Payments.Posted> byId = new HashMap<>();
        posted.forEach(one -> byId.put(one.transferId(), one));
        for (Api.User user : users) {
            for (JsonNode item : notifications(api, user)) {
                Payments.Posted transfer = byId.get(item.get("transfer_id").asString());
                if (transfer != null) {
                    assertThat(transfer.toUserId())
                            .as("the receiver gets the notification")
                            .isEqualTo(user.id());
                }
            }
        }
    }

    private static Map<String, Long> notificationCounts(Api api, List<Api.User> users, Set<String> transferIds) {
        return users.stream()
                .flatMap(user -> notifications(api, user).stream())
                .map(item -> item.get("transfer_id"))
                .filter(id -> id != null && transferIds.contains(id.asString()))
                .collect(Collectors.groupingBy(JsonNode::asString, Collectors.counting()));
    }

    private static List<JsonNode> notifications(Api api, Api.User user) {
        List<JsonNode> items = new ArrayList<>();
        String cursor = null;
        for (int page = 0; page < 100; page++) {
            Api.Response response =
                    api.get("/v1/notifications?limit=100" + (cursor == null ? "" : "&cursor=" + cursor), user.token());
            assertThat(response.status()).as(response.body()).isEqualTo(200);
            response.json().get("items").forEach(items::add);
            JsonNode next = response.json().get("next_cursor");
            if (next == null || next.isNull()) {
                return items;
            }
            cursor = next.asString();
        }
        throw new AssertionError("more than 100 pages of notifications for " + user.handle());
    }
}
