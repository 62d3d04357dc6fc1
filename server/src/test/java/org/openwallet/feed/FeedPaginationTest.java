package org.openwallet.feed;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openwallet.Api;
import org.openwallet.Eventually;
import org.openwallet.WalletIntegrationTest;
import org.openwallet.platform.Ids;
import org.openwallet.platform.kafka.KafkaCluster;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Paging through the feed: across month buckets, while new items arrive, after replayed and
 * reordered events, and with cursors that were tampered with. Events with chosen times are written
 * straight to Kafka, as the relay would write them, so months other than this one can be filled.
 */
class FeedPaginationTest extends WalletIntegrationTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Autowired
    KafkaCluster kafka;

    FeedClient feeds;
    KafkaProducer<String, String> producer;
    Api.User alice;

    /** A transfer event written to Kafka by hand: its id and the envelope. */
    record Published(UUID transferId, Instant createdAt, String envelope, String key) {}

    @BeforeEach
    void setUp() {
        feeds = new FeedClient(api);
        alice = api.newUser();
        producer = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        kafka.bootstrapServers(),
                        ProducerConfig.ACKS_CONFIG,
                        "all"),
                new StringSerializer(),
                new StringSerializer());
    }

    @AfterEach
    void closeProducer() {
        producer.close();
    }

    @Test
    void pagesRunAcrossMonthBuckets_newestFirst_whateverOrderAndHowOftenEventsArrive() {
        List<Published> events = new ArrayList<>();
        events.addAll(transfers(10, Instant.parse("2025-01-10T00:00:00Z")));
        events.addAll(transfers(8, Instant.parse("2025-03-31T23:59:00Z")));
        events.addAll(transfers(7, Instant.parse("2025-05-01T00:00:00Z")));
        List<Published> shuffled = new ArrayList<>(events);
        Collections.shuffle(shuffled, new Random(42));
        shuffled.forEach(this::publish);
        // The same events again (a redelivery), and the same payments under new event ids (a republish).
        shuffled.subList(0, 5).forEach(this::publish);
        shuffled.subList(5, 8).forEach(event -> publish(withNewEventId(event)));

        List<String> expected = newestFirst(events);
        feeds.awaitIds("/v1/feed/me", alice, ids -> ids.size() >= expected.size());

        for (int limit : new int[] {1, 4, 7, 20, 25, 100}) {
            List<String> paged = feeds.all("/v1/feed/me", alice, limit).stream()
                    .map(item -> item.get("transfer_id").asString())
                    .toList();
            assertThat(paged).as("limit " + limit).containsExactlyElementsOf(expected);
        }
        assertThat(feeds.ids("/v1/feed", alice))
                .as("the social feed has the own payments too")
                .containsExactlyElementsOf(expected);
    }

    @Test
    void pagingIsStable_whileNewerItemsArrive() throws InterruptedException {
        List<Published> existing = transfers(30, Instant.now().minus(10, ChronoUnit.DAYS));
        existing.forEach(this::publish);
        List<String> expected = newestFirst(existing);
        feeds.awaitIds("/v1/feed/me", alice, ids -> ids.size() == expected.size());

        // Newer payments keep arriving from another thread the whole time, besides those applied between pages.
        java.util.concurrent.atomic.AtomicBoolean paging = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread arriving = Thread.ofVirtual().start(() -> {
            for (int i = 0; paging.get(); i++) {
                transfers(1, Instant.now().plusSeconds(100 + i)).forEach(this::publish);
                Eventually.pause(Duration.ofMillis(20));
            }
        });
        List<String> seen = new ArrayList<>();
        String cursor = null;
        int page = 0;
        do {
            Api.Response response =
                    feeds.page("/v1/feed/me", alice, "limit=7" + (cursor == null ? "" : "&cursor=" + cursor));
            assertThat(response.status()).isEqualTo(200);
            response.json()
                    .get("items")
                    .forEach(item -> seen.add(item.get("transfer_id").asString()));
            JsonNode next = response.json().get("next_cursor");
            cursor = next == null ? null : next.asString();
            // Between pages, newer payments arrive and are applied.
            List<Published> newer = transfers(3, Instant.now().plusSeconds(page));
            newer.forEach(this::publish);
            String newest = newestFirst(newer).getFirst();
            feeds.awaitIds("/v1/feed", alice, ids -> ids.contains(newest));
            page++;
        } while (cursor != null);
        paging.set(false);
        arriving.join();

        assertThat(seen)
                .as("every item that existed, once, in order; none of the newer ones")
                .containsExactlyElementsOf(expected);
    }

    @Test
    void limitAndCursor_areValidated() {
        Api.User bob = api.newUser();
        transfers(5, Instant.parse("2025-07-01T12:00:00Z")).forEach(this::publish);
        feeds.awaitIds("/v1/feed/me", alice, ids -> ids.size() == 5);
        Api.Response first = feeds.page("/v1/feed/me", alice, "limit=2");
        String cursor = first.json().get("next_cursor").asString();
        assertThat(feeds.page("/v1/feed/me", alice, "limit=2&cursor=" + cursor).status())
                .isEqualTo(200);
        assertThat(feeds.page("/v1/feed/me", alice, "").json().get("items").size())
                .as("default limit 20 covers all 5")
                .isEqualTo(5);

        for (String limit : new String[] {"0", "101", "-1", "abc"}) {
            Api.Response invalid = feeds.page("/v1/feed", alice, "limit=" + limit);
            assertThat(invalid.status()).as("limit=" + limit).isEqualTo(400);
            assertThat(invalid.code()).isEqualTo("validation_failed");
            assertThat(invalid.header("Content-Type")).startsWith("application/problem+json");
        }
        List<String> tampered = new ArrayList<>();
        for (int i = 0; i < cursor.length(); i += 5) {
            char flipped = cursor.charAt(i) == 'A' ? 'B' : 'A';
            tampered.add(cursor.substring(0, i) + flipped + cursor.substring(i + 1));
        }
        tampered.addAll(List.of("garbage", "", "AAAA", cursor + "A", cursor.substring(1)));
        for (String bad : tampered) {
            Api.Response refused = feeds.page("/v1/feed/me", alice, "limit=2&cursor=" + bad);
            assertThat(refused.status()).as(bad).isEqualTo(400);
            assertThat(refused.code()).isEqualTo("invalid_cursor");
        }
        Api.Response otherReader = feeds.page("/v1/feed/me", bob, "limit=2&cursor=" + cursor);
        assertThat(otherReader.code()).as("a cursor is bound to its reader").isEqualTo("invalid_cursor");
        Api.Response otherFeed = feeds.page("/v1/feed", alice, "limit=2&cursor=" + cursor);
        assertThat(otherFeed.code()).as("and to its feed").isEqualTo("invalid_cursor");
    }

    @Test
    void emptyFeed_hasNoItemsAndNoCursor() {
        Api.Response empty = feeds.page("/v1/feed", api.newUser(), "limit=5");
        assertThat(empty.status()).isEqualTo(200);
        assertThat(empty.json().get("items").size()).isZero();
        assertThat(empty.json().has("next_cursor")).isFalse();
    }

    /** {@code count} payments from Alice to strangers, one second apart from {@code start}. */
    private List<Published> transfers(int count, Instant start) {
        List<Published> events = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            UUID transferId = Ids.next();
            Instant createdAt = start.plusSeconds(i).truncatedTo(ChronoUnit.MILLIS);
            UUID stranger = UUID.randomUUID();
            Map<String, Object> payload = new LinkedHashMap<>();
            payload.put("transfer_id", transferId.toString());
            payload.put("from_user_id", alice.id().toString());
            payload.put("from_handle", alice.handle());
            payload.put("to_user_id", stranger.toString());
            payload.put("to_handle", "stranger_" + i);
            payload.put("amount", "1.0" + (i % 10));
            payload.put("currency", "USD");
            payload.put("note", "n" + i);
            payload.put("visibility", "private");
            payload.put("created_at", createdAt.toString());
            events.add(new Published(
                    transferId,
                    createdAt,
                    envelope(Ids.next(), createdAt, payload),
                    alice.id().toString()));
        }
        return events;
    }

    private static String envelope(UUID eventId, Instant occurredAt, Object payload) {
        Map<String, Object> envelope = new LinkedHashMap<>();
        envelope.put("id", eventId.toString());
        envelope.put("type", "transfer.posted");
        envelope.put("version", 1);
        envelope.put("occurred_at", occurredAt.toString());
        envelope.put("producer", "wallet");
        envelope.put("payload", payload);
        return JSON.writeValueAsString(envelope);
    }

    private static Published withNewEventId(Published event) {
        JsonNode original = JSON.readTree(event.envelope());
        return new Published(
                event.transferId(),
                event.createdAt(),
                envelope(Ids.next(), event.createdAt(), original.get("payload")),
                event.key());
    }

    private void publish(Published event) {
        try {
            producer.send(new ProducerRecord<>("wallet.transfer", event.key(), event.envelope()))
                    .get();
        } catch (Exception failed) {
            throw new IllegalStateException(failed);
        }
    }

    private static List<String> newestFirst(List<Published> events) {
        return events.stream()
                .sorted(Comparator.comparing(Published::createdAt)
                        .thenComparing(Published::transferId)
                        .reversed())
                .map(event -> event.transferId().toString())
                .toList();
    }
}
