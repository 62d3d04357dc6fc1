package org.openwallet.outbox;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.openwallet.Eventually;
import org.openwallet.OwnDataDirectory;
import org.openwallet.WalletIntegrationTest;
import org.openwallet.platform.EmbeddedKafka;
import org.openwallet.platform.config.WalletProperties;
import org.openwallet.platform.kafka.KafkaCluster;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.support.DefaultSingletonBeanRegistry;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.context.TestPropertySource;

/**
 * The broker restarted in the middle of a stream of payments: the relay and the consumers ride
 * through it, every payment's event arrives, and each receiver is notified exactly once. In a
 * context of its own: it stops the broker.
 */
@TestPropertySource(properties = "wallet.test.context=outbox-relay-kafka-restart")
@ContextConfiguration(initializers = OwnDataDirectory.class)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class OutboxRelayKafkaRestartTest extends WalletIntegrationTest {
    static final Duration WAIT = Duration.ofSeconds(60);
    static final Duration DOWNTIME = Duration.ofSeconds(2);

    @Autowired
    KafkaCluster kafka;

    @Autowired
    EmbeddedKafka embeddedKafka;

    @Autowired
    WalletProperties properties;

    @Autowired
    ConfigurableApplicationContext context;

    @Test
    void kafkaRestartedMidStream_losesNoEvent_andConsumersNotifyOnce() throws IOException {
        Payments payments = Payments.among(api, transactions, ledger, 6, 4);
        payments.start();
        List<Payments.Posted> posted;
        try {
            payments.awaitPosted(40, WAIT);
            embeddedKafka.close();
            int atStop = payments.postedCount();
            // Payments go on while the broker is down: they do not wait for Kafka.
            payments.awaitPosted(atStop + 20, WAIT);
            Eventually.pause(DOWNTIME);
            EmbeddedKafka restarted = EmbeddedKafka.start(
                    properties.dataDir().toAbsolutePath().resolve("kafka"),
                    properties.kafka().partitions());
            // The context closes the restarted broker with the rest, after the relay and the
            // consumers stopped (lifecycle beans stop before any bean is destroyed).
            ((DefaultSingletonBeanRegistry) context.getBeanFactory())
                    .registerDisposableBean("restartedEmbeddedKafka", restarted::close);
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
}
