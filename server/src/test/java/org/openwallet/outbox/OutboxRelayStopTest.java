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
import org.openwallet.platform.kafka.KafkaCluster;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.context.TestPropertySource;

/**
 * The relay stopped in the middle of a stream of payments and started again, or its database
 * sessions killed as in a crash: every payment's event arrives (duplicates allowed, none missing),
 * and the consumers, which may see duplicates, still notify each receiver exactly once. Stopping and
 * starting leaves nothing of the old engine running. In a context of its own: it stops the relay.
 */
@TestPropertySource(properties = "wallet.test.context=outbox-relay-stop")
@ContextConfiguration(initializers = OwnDataDirectory.class)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class OutboxRelayStopTest extends WalletIntegrationTest {
    static final Duration WAIT = Duration.ofSeconds(60);

    @Autowired
    KafkaCluster kafka;

    @Autowired
    OutboxRelay relay;

    @Test
    void relayStoppedMidStream_andStartedAgain_losesNoEvent_andConsumersNotifyOnce() {
        Payments payments = Payments.among(api, transactions, ledger, 6, 4);
        payments.start();
        List<Payments.Posted> posted;
        try {
            payments.awaitPosted(40, WAIT);
            relay.stop();
            assertThat(relay.isLeader()).isFalse();
            int atStop = payments.postedCount();
            payments.awaitPosted(atStop + 40, WAIT);
            relay.start();
            payments.awaitPosted(payments.postedCount() + 40, WAIT);
        } finally {
            posted = payments.stop();
        }

        try (TopicReader reader = new TopicReader(kafka.bootstrapServers(), TransferEvents.TOPIC, WAIT)) {
            Map<String, List<ConsumerRecord<String, String>>> found = TransferEvents.awaitEvery(reader, posted, WAIT);
            TransferEvents.assertSameEventEachTime(found, posted);
        }
        TransferEvents.assertOneNotificationPerTransfer(api, payments.users(), posted, WAIT);
    }

    /**
     * The database side of a relay crash: its replication connection and its leadership session are
     * killed mid-stream, with no graceful stop and no final offset commit. The relay notices, starts
     * over from the slot's confirmed position and loses nothing; duplicates it re-sends change nothing.
     */
    @Test
    void relaySessionsKilledMidStream_relayRecovers_losesNoEvent_andConsumersNotifyOnce() {
        awaitLeader(relay);
        Payments payments = Payments.among(api, transactions, ledger, 6, 4);
        payments.start();
        List<Payments.Posted> posted;
        try {
            payments.awaitPosted(40, WAIT);
            awaitSlotActive();
            int killed = jdbc.sql("""
                    SELECT count(pg_terminate_backend(pid)) FROM (
                        SELECT active_pid AS pid FROM pg_replication_slots WHERE slot_name = 'wallet_outbox' AND active_pid IS NOT NULL
                        UNION SELECT pid FROM pg_stat_activity WHERE application_name = 'wallet-outbox-relay-leadership') sessions
                    """).query(Integer.class).single();
            assertThat(killed)
                    .as("the relay's replication and leadership sessions")
                    .isEqualTo(2);
            int atKill = payments.postedCount();
            payments.awaitPosted(atKill + 60, WAIT);
        } finally {
            posted = payments.stop();
        }

        try (TopicReader reader = new TopicReader(kafka.bootstrapServers(), TransferEvents.TOPIC, WAIT)) {
            Map<String, List<ConsumerRecord<String, String>>> found = TransferEvents.awaitEvery(reader, posted, WAIT);
            TransferEvents.assertSameEventEachTime(found, posted);
        }
        TransferEvents.assertOneNotificationPerTransfer(api, payments.users(), posted, WAIT);
        assertThat(relay.isLeader()).isTrue();
    }

    /**
     * A relay restarts its engine after every failure, so a stop must release everything the engine
     * opened. Debezium's own Kafka offset store never closed the admin client it creates, one more
     * live client (and thread) per restart; {@link RelayOffsetStore} closes it.
     */
    @Test
    void stopAndStart_leaveNoKafkaClientThreadOfTheRelayBehind() {
        awaitLeader(relay);
        Map<String, Long> before = kafkaClientThreads();
        for (int cycle = 0; cycle < RESTART_CYCLES; cycle++) {
            relay.stop();
            relay.start();
            awaitLeader(relay);
        }
        // A closed client's thread ends on its own schedule: wait for it, bounded.
        await("the relay's Kafka client threads ending")
                .atMost(THREAD_END_WAIT)
                .untilAsserted(() -> assertThat(kafkaClientThreads()).isEqualTo(before));
    }

    static final int RESTART_CYCLES = 3;
    static final Duration THREAD_END_WAIT = Duration.ofSeconds(15);

    /** Live threads of Kafka clients, Kafka Connect and Debezium, by name (names repeat across instances). */
    private static Map<String, Long> kafkaClientThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(name ->
                        name.startsWith("kafka-") || name.startsWith("KafkaBasedLog") || name.startsWith("debezium"))
                .collect(java.util.stream.Collectors.groupingBy(
                        name -> name, java.util.TreeMap::new, java.util.stream.Collectors.counting()));
    }

    private void awaitSlotActive() {
        await("somebody streaming the slot")
                .atMost(WAIT)
                .pollInterval(Duration.ofMillis(50))
                .until(() -> jdbc.sql(
                                "SELECT coalesce(bool_or(active), false) FROM pg_replication_slots WHERE slot_name = 'wallet_outbox'")
                        .query(Boolean.class)
                        .single());
    }

    static void awaitLeader(OutboxRelay relay) {
        awaitLeader(relay, WAIT);
    }

    static void awaitLeader(OutboxRelay relay, Duration timeout) {
        await("the relay leading")
                .atMost(timeout)
                .pollInterval(Duration.ofMillis(50))
                .until(relay::isLeader);
    }
}
