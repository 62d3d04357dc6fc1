package org.openwallet.feed;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.openwallet.Api;
import org.openwallet.LedgerTestSupport;
import org.openwallet.OwnDataDirectory;
import org.openwallet.TestCassandra;
import org.openwallet.WalletIntegrationTest;
import org.openwallet.ledger.Ledger;
import org.openwallet.platform.EmbeddedCassandra;
import org.openwallet.platform.Transactions;
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
class FeedCassandraOutageTest extends WalletIntegrationTest {
    private static EmbeddedCassandra node;
    private static Path nodeDirectory;

    /** Starts this class's node and points the wallet at it, ahead of the suite's shared node. */
    static class OwnNode implements ApplicationContextInitializer<ConfigurableApplicationContext> {
        @Override
        public void initialize(ConfigurableApplicationContext context) {
            nodeDirectory = newDataDir("cassandra-outage-").resolve("cassandra");
            node = start();
            context.getEnvironment().getPropertySources().addFirst(new MapPropertySource("own-cassandra",
                    Map.of("wallet.cassandra.contact-points", node.contactPoint())));
        }
    }

    @Autowired
    Transactions transactions;
    @Autowired
    Ledger ledger;

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
            assertThat(Duration.ofNanos(System.nanoTime() - started)).as("a payment does not wait for the feed").isLessThan(Duration.ofSeconds(2));
        }
        Api.Response unavailable = feeds.page("/v1/feed", carol, "limit=5");
        assertThat(unavailable.status()).as(unavailable.body()).isEqualTo(503);
        assertThat(unavailable.code()).isEqualTo("feed_unavailable");

        node = start();
        List<String> expected = new ArrayList<>(during);
        expected.add(before);
        // The driver reconnects on its own schedule (exponential, from 1 s): give it time.
        List<String> seen = feeds.awaitIds("/v1/feed", carol, ids -> ids.containsAll(expected), Duration.ofSeconds(120));
        assertThat(seen).hasSize(expected.size());
        assertThat(feeds.ids("/v1/feed/me", alice)).containsAll(expected).hasSize(expected.size());
    }

    private static EmbeddedCassandra start() {
        try {
            return EmbeddedCassandra.start(nodeDirectory, TestCassandra.javaHome(), "512m");
        } catch (IOException failure) {
            throw new IllegalStateException(failure);
        }
    }
}
