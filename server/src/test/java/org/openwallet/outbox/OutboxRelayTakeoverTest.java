package org.openwallet.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.openwallet.OwnDataDirectory;
import org.openwallet.WalletIntegrationTest;
import org.openwallet.platform.config.WalletProperties;
import org.openwallet.platform.database.DatabaseEndpoint;
import org.openwallet.platform.kafka.KafkaCluster;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.context.TestPropertySource;

/**
 * Two relays on one slot, as two wallet nodes with the relay role would be: the second waits while
 * the first leads, and takes over within seconds when the first stops, losing nothing. In a context
 * of its own: it stops the relay.
 */
@TestPropertySource(properties = "wallet.test.context=outbox-relay-takeover")
@ContextConfiguration(initializers = OwnDataDirectory.class)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class OutboxRelayTakeoverTest extends WalletIntegrationTest {
    static final Duration WAIT = Duration.ofSeconds(60);
    /** The second relay retries the lock every second (wallet.outbox.leadership-retry). */
    static final Duration TAKEOVER_WAIT = Duration.ofSeconds(10);
    /** How long the second relay is watched while the first leads. */
    static final Duration STANDBY_WATCH = Duration.ofSeconds(3);

    @Autowired
    KafkaCluster kafka;

    @Autowired
    OutboxRelay first;

    @Autowired
    RelaySettings settings;

    @Autowired
    DatabaseEndpoint database;

    @Autowired
    WalletProperties properties;

    @Test
    void secondRelay_waitsWhileTheFirstLeads_andTakesOverWhenItStops() {
        OutboxRelayStopTest.awaitLeader(first, WAIT);
        Payments payments = Payments.among(api, transactions, ledger, 6, 4);
        OutboxRelay second = new OutboxRelay(settings, database, kafka, jdbc, properties);
        List<Payments.Posted> posted;
        payments.start();
        try {
            second.start();
            payments.awaitPosted(20, WAIT);
            await("the first relay leading throughout, the second standing by")
                    .during(STANDBY_WATCH)
                    .atMost(STANDBY_WATCH.plusSeconds(10))
                    .until(() -> first.isLeader() && !second.isLeader());
            assertThat(walSenders()).as("replication connections on the slot").isEqualTo(1);

            first.stop();
            long stoppedAt = System.nanoTime();
            OutboxRelayStopTest.awaitLeader(second, TAKEOVER_WAIT);
            Duration takeover = Duration.ofNanos(System.nanoTime() - stoppedAt);
            assertThat(first.isLeader()).isFalse();
            assertThat(takeover).isLessThan(TAKEOVER_WAIT);
            int atTakeover = payments.postedCount();
            payments.awaitPosted(atTakeover + 40, WAIT);
        } finally {
            posted = payments.stop();
        }

        try (TopicReader reader = new TopicReader(kafka.bootstrapServers(), TransferEvents.TOPIC, WAIT)) {
            Map<String, List<ConsumerRecord<String, String>>> found = TransferEvents.awaitEvery(reader, posted, WAIT);
            TransferEvents.assertSameEventEachTime(found, posted);
        } finally {
            second.stop();
        }
        assertThat(second.isLeader()).isFalse();
    }

    private int walSenders() {
        return jdbc.sql("SELECT count(*) FROM pg_replication_slots WHERE slot_name = ? AND active")
                .param(settings.slotName())
                .query(Integer.class)
                .single();
    }
}
