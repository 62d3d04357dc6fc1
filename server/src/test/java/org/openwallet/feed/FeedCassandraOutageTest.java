package org.openwallet.feed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.openwallet.Api;
import org.openwallet.Eventually;
import org.openwallet.LedgerTestSupport;
import org.openwallet.OwnDataDirectory;
import org.openwallet.TestCassandra;
import org.openwallet.WalletIntegrationTest;
import org.openwallet.devstack.EmbeddedCassandra;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.context.TestPropertySource;

/**
 * The feed store goes down and comes back: payments go on meanwhile (the ledger never waits for the
 * feed), feed reads say 503 {@code feed_unavailable}, and once Cassandra is back the consumer
 * catches up with every payment, each once. This class has a wallet and a Cassandra node of its own,
 * since it stops the node.
 */
@ContextConfiguration(initializers = {OwnDataDirectory.class, FeedCassandraOutageTest.OwnNode.class})
@TestPropertySource(properties = "test.context=feed-cassandra-outage")
@DirtiesContext
// With the other classes that start Cassandra nodes or load the shared one, one at a time: on two cores, two at once
// time out.
@ResourceLock("cassandra-nodes")
class FeedCassandraOutageTest extends WalletIntegrationTest {
    private static EmbeddedCassandra node;
    private static Path nodeDirectory;

    /** Starts this class's node and points the wallet at it, ahead of the suite's shared node. */
    static class OwnNode implements ApplicationContextInitializer<ConfigurableApplicationContext> {
        @Override
        public void initialize(ConfigurableApplicationContext context) {
            nodeDirectory = newDataDir("cassandra-outage-").resolve("cassandra");
            node = start();
            context.getEnvironment()
                    .getPropertySources()
                    .addFirst(new MapPropertySource(
                            "own-cassandra", Map.of("wallet.cassandra.contact-points", node.contactPoint())));
        }
    }

    @Autowired
    MeterRegistry meters;

    @AfterAll
    static void stopNode() throws IOException {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void paymentsGoOnWhileCassandraIsDown_andTheFeedCatchesUpOnceItIsBack() throws IOException {
        FeedClient feeds = new FeedClient(api);
        Api.User alice = api.newUser();
        Api.User bob = api.newUser();
        Api.User carol = api.newUser();
        LedgerTestSupport.fund(transactions, ledger, alice.id(), 100_000);
        feeds.befriend(alice, carol);
        String before = feeds.pay(alice, bob, "1.00", "friends", "before");
        feeds.awaitItem("/v1/feed", carol, before);

        node.close();
        List<String> during = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            long started = System.nanoTime();
            during.add(feeds.pay(alice, bob, "1.0" + i, "friends", "during " + i));
            assertThat(Duration.ofNanos(System.nanoTime() - started))
                    .as("a payment does not wait for the feed")
                    .isLessThan(Duration.ofSeconds(2));
        }
        Api.Response unavailable = feeds.page("/v1/feed", carol, "limit=5");
        assertThat(unavailable.status()).as(unavailable.body()).isEqualTo(503);
        assertThat(unavailable.code()).isEqualTo("feed_unavailable");

        node = start();
        List<String> expected = new ArrayList<>(during);
        expected.add(before);
        // The driver reconnects on its own schedule (exponential, from 1 s): give it time.
        List<String> seen =
                feeds.awaitIds("/v1/feed", carol, ids -> ids.containsAll(expected), Duration.ofSeconds(120));
        assertThat(seen).hasSize(expected.size());
        assertThat(feeds.ids("/v1/feed/me", alice)).containsAll(expected).hasSize(expected.size());
    }

    /**
     * The node is killed (SIGKILL, as the OOM killer or a crash would) right after it acknowledged
     * every row of a payment the feed consumer applied, while two senders keep paying. A node whose commit log is synced periodically writes its replay markers every
     * 100 ms, so a kill lost the writes it acknowledged in the last 100 ms; the consumer had committed
     * their offsets, and those payments never reached a feed. Every payment acknowledged before or during the outage must be in both parties' feeds
     * once the node is back.
     */
    @Test
    void cassandraKilledRightAfterAcknowledgingFeedWrites_losesNoPaymentOfEitherPartysFeed() throws Exception {
        FeedClient feeds = new FeedClient(api);
        Api.User bob = api.newUser();
        List<Api.User> senders = List.of(api.newUser(), api.newUser());
        for (Api.User sender : senders) {
            LedgerTestSupport.fund(transactions, ledger, sender.id(), 1_000_000);
        }
        feeds.awaitItem("/v1/feed/me", bob, feeds.pay(senders.get(0), bob, "0.50", "private", "warm-up"));

        AtomicBoolean killed = new AtomicBoolean();
        AtomicInteger paidAfterKill = new AtomicInteger();
        Map<Api.User, List<String>> paid = new ConcurrentHashMap<>();
        Deque<String> newest = new ConcurrentLinkedDeque<>();
        List<Future<?>> streams = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(senders.size())) {
            for (Api.User sender : senders) {
                paid.put(sender, new ArrayList<>());
                streams.add(pool.submit(() -> {
                    for (int i = 0; i < MAX_STREAMED_PAYMENTS && paidAfterKill.get() < PAYMENTS_DURING_OUTAGE; i++) {
                        String id = payUntilAcknowledged(sender, bob, "0.0" + (1 + i % 9));
                        paid.get(sender).add(id);
                        newest.addFirst(id);
                        if (killed.get()) {
                            paidAfterKill.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            // Kill the node the moment the feed consumer has applied a payment, every write acknowledged
            // (FeedLag counts it right then). Its offset is committed after the kill, since Kafka is up.
            // A tight loop on the in-process meter, not Eventually's 100 ms polls: the kill follows
            // within microseconds, well inside the 100 ms a periodic commit log leaves unmarked.
            await("payments streaming").until(() -> newest.size() >= 3);
            Timer applied = meters.get("wallet.feed.lag").timer();
            long before = applied.count();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (applied.count() <= before) {
                assertThat(System.nanoTime())
                        .as("the feed applies a payment within 60 s")
                        .isLessThan(deadline);
                Thread.onSpinWait();
            }
            ProcessHandle.of(node.pid()).orElseThrow().destroyForcibly();
            killed.set(true);
            node.close();
            for (Future<?> stream : streams) {
                stream.get(5, TimeUnit.MINUTES);
            }
        }

        node = start();
        List<String> all = paid.values().stream().flatMap(List::stream).toList();
        assertThat(paidAfterKill.get())
                .as("payments went on during the outage")
                .isGreaterThanOrEqualTo(PAYMENTS_DURING_OUTAGE);
        // The driver reconnects on its own schedule (exponential, from 1 s): give it time.
        feeds.awaitIds("/v1/feed/me", bob, ids -> ids.containsAll(all), Duration.ofSeconds(180));
        for (Api.User sender : senders) {
            List<String> own = paid.get(sender);
            feeds.awaitIds("/v1/feed/me", sender, ids -> ids.containsAll(own), Duration.ofSeconds(60));
        }
        assertThat(jdbc.sql("SELECT count(*) FROM dead_letters WHERE consumer = 'feed'")
                        .query(Long.class)
                        .single())
                .as("nothing dead-lettered")
                .isZero();
    }

    private static final int MAX_STREAMED_PAYMENTS = 2_000;
    private static final int PAYMENTS_DURING_OUTAGE = 10;

    /** Pays with one Idempotency-Key, retried on any answer but 201 as a client would; the transfer id. */
    private String payUntilAcknowledged(Api.User from, Api.User to, String amount) {
        String key = UUID.randomUUID().toString();
        Map<String, String> body = Map.of("to_handle", to.handle(), "amount", amount, "currency", "USD");
        for (int attempt = 1; ; attempt++) {
            Api.Response paid = api.post("/v1/transfers", from.token(), key, body);
            if (paid.status() == 201) {
                return paid.json().get("id").asString();
            }
            assertThat(attempt).as(paid.body()).isLessThan(20);
            Eventually.pause(Duration.ofMillis(200));
        }
    }

    private static EmbeddedCassandra start() {
        try {
            return EmbeddedCassandra.start(nodeDirectory, TestCassandra.javaHome(), "512m");
        } catch (IOException failure) {
            throw new IllegalStateException(failure);
        }
    }
}
