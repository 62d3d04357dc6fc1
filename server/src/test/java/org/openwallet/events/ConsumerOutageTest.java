package org.openwallet.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.openwallet.Api;
import org.openwallet.Eventually;
import org.openwallet.OwnDataDirectory;
import org.openwallet.WalletIntegrationTest;
import org.openwallet.platform.EmbeddedPostgres;
import org.openwallet.platform.kafka.KafkaCluster;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Consumers outlive what goes wrong around them: a consumer that fails as a whole comes back by
 * itself and health says so meanwhile; PostgreSQL killed under the notification consumer, in the
 * middle of its transaction, dead-letters nothing and loses no notification. A context of its own:
 * it kills the database and puts records on {@code wallet.transfer} itself.
 */
@ContextConfiguration(initializers = OwnDataDirectory.class)
@TestPropertySource(properties = "test.context=consumer-outage")
@DirtiesContext
class ConsumerOutageTest extends WalletIntegrationTest {
    private static final String TRANSFER_TOPIC = "wallet.transfer";
    private static final Duration OUTAGE_WAIT = Duration.ofSeconds(120);

    @Autowired
    KafkaCluster kafka;

    @Autowired
    EmbeddedPostgres postgres;

    @Test
    void aConsumerThatFailsAsAWhole_isDegradedInHealthWhileItRestarts_andComesBackByItself() {
        // The dead letters table refuses this record's row, as a full disk or a broken table would:
        // dead-lettering it fails, and nothing may skip a record that is not dead-lettered.
        String key = "unwritable-" + UUID.randomUUID();
        jdbc.sql("""
                CREATE FUNCTION refuse_test_dead_letter() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'the dead letters refuse %', NEW.record_key; END $$""").update();
        jdbc.sql(
                        "CREATE TRIGGER refuse_test_dead_letter BEFORE INSERT ON dead_letters FOR EACH ROW WHEN (NEW.record_key = '"
                                + key + "') EXECUTE FUNCTION refuse_test_dead_letter()")
                .update();
        try {
            send(key, "this is no event");
            await("the notification consumer restarting, in health")
                    .atMost(OUTAGE_WAIT)
                    .until(() -> {
                        JsonNode consumer = consumerHealth().get("details").get("notifications");
                        return "restarting".equals(consumer.get("state").asString())
                                && consumer.get("restarts").asLong() >= 2
                                && consumer.get("lastError").asString().contains("the dead letters refuse");
                    });
            Api.Response degraded = management.get("/actuator/health/consumers", null);
            assertThat(degraded.status())
                    .as("still serving: a load balancer keeps the node; " + degraded.body())
                    .isEqualTo(200);
            assertThat(degraded.json().get("status").asString()).isEqualTo("DEGRADED");
        } finally {
            jdbc.sql("DROP TRIGGER refuse_test_dead_letter ON dead_letters").update();
            jdbc.sql("DROP FUNCTION refuse_test_dead_letter()").update();
        }

        await("every consumer running again").atMost(OUTAGE_WAIT).until(() -> {
            JsonNode health = consumerHealth();
            return "UP".equals(health.get("status").asString())
                    && "running"
                            .equals(health.get("details")
                                    .get("notifications")
                                    .get("state")
                                    .asString());
        });
        assertThat(jdbc.sql("SELECT count(*) FROM dead_letters WHERE record_key = ? AND consumer = 'notifications'")
                        .param(key)
                        .query(Long.class)
                        .single())
                .as("the record dead-lettered once it could be")
                .isEqualTo(1L);
        Api.User alice = fundedUser(100_000);
        Api.User bob = api.newUser();
        String after = pay(alice, bob, "1.25");
        awaitNotifications(bob, Set.of(after));
    }

    /**
     * The consumer is made to wait inside its transaction (the test holds a lock its insert needs),
     * and the PostgreSQL process serving it is killed right there (SIGKILL, as the OOM killer
     * would). PostgreSQL then ends every session and runs crash recovery, as after a crash of the
     * whole server: the consumer's statement fails and so does its rollback
     * ({@code TransactionSystemException: JDBC rollback failed}), which was once taken for poison
     * and dead-lettered.
     */
    @Test
    void postgresCrashInTheMiddleOfTheNotificationConsumersTransaction_deadLettersNothing_andEveryNotificationArrives()
            throws Exception {
        Api.User alice = fundedUser(100_000);
        Api.User bob = api.newUser();
        awaitNotifications(bob, Set.of(pay(alice, bob, "0.10")));
        Set<String> paid = new HashSet<>();
        try (Connection blocker =
                        DriverManager.getConnection(postgres.jdbcUrl(), postgres.username(), postgres.password());
                Statement statement = blocker.createStatement()) {
            blocker.setAutoCommit(false);
            statement.execute("LOCK TABLE notifications IN SHARE MODE");
            for (int i = 1; i <= 5; i++) {
                paid.add(pay(alice, bob, "1.0" + i));
            }
            // Every event is on Kafka (the feed, which needs no PostgreSQL, shows them): what follows is about the
            // consumer only.
            await("the payments in bob's feed")
                    .atMost(OUTAGE_WAIT)
                    .until(() -> feedIds(bob).containsAll(paid));
            await("the notification consumer waiting for its insert, inside its transaction")
                    .atMost(OUTAGE_WAIT)
                    .until(() -> consumerBackend().isPresent());
            ProcessHandle backend =
                    ProcessHandle.of(consumerBackend().orElseThrow()).orElseThrow();
            backend.destroyForcibly();
            backend.onExit().get(30, TimeUnit.SECONDS);
        } catch (java.sql.SQLException expected) {
            // The crash ends the test's own session too.
        }

        awaitNotifications(bob, paid);
        assertThat(jdbc.sql("SELECT count(*) FROM dead_letters WHERE consumer = 'notifications' AND record_key = ?")
                        .param(alice.id().toString())
                        .query(Long.class)
                        .single())
                .as("nothing dead-lettered")
                .isZero();
        JsonNode notifications = consumerHealth().get("details").get("notifications");
        assertThat(notifications.get("lastError").asString())
                .as("the consumer met the crash and retried")
                .isNotBlank();
    }

    /** The PostgreSQL process of the notification consumer's blocked insert, if it waits now. */
    private java.util.Optional<Long> consumerBackend() {
        return jdbc.sql("""
                SELECT pid FROM pg_stat_activity
                 WHERE wait_event_type = 'Lock' AND state = 'active' AND query LIKE 'INSERT INTO notifications%'
                 LIMIT 1""").query(Long.class).optional();
    }

    private Set<String> feedIds(Api.User user) {
        Api.Response page = api.get("/v1/feed/me?limit=100", user.token());
        Set<String> ids = new HashSet<>();
        if (page.status() == 200) {
            page.json()
                    .get("items")
                    .forEach(item -> ids.add(item.get("transfer_id").asString()));
        }
        return ids;
    }

    private JsonNode consumerHealth() {
        return management.get("/actuator/health/consumers", null).json();
    }

    /** Pays with one Idempotency-Key, retried as a client would until it is answered 201; the transfer id. */
    private String pay(Api.User from, Api.User to, String amount) {
        String key = UUID.randomUUID().toString();
        for (int attempt = 1; ; attempt++) {
            Api.Response paid = api.post(
                    "/v1/transfers",
                    from.token(),
                    key,
                    Map.of("to_handle", to.handle(), "amount", amount, "currency", "USD"));
            if (paid.status() == 201) {
                return paid.json().get("id").asString();
            }
            assertThat(attempt).as(paid.body()).isLessThan(60);
            Eventually.pause(Duration.ofSeconds(1));
        }
    }

    private void awaitNotifications(Api.User user, Set<String> transferIds) {
        await("@" + user.handle() + "'s notifications of " + transferIds)
                .atMost(OUTAGE_WAIT)
                .until(() -> {
                    Api.Response page = api.get("/v1/notifications?limit=100", user.token());
                    if (page.status() != 200) {
                        return false;
                    }
                    Set<String> notified = new HashSet<>();
                    page.json()
                            .get("items")
                            .forEach(
                                    item -> notified.add(item.get("transfer_id").asString()));
                    return notified.containsAll(transferIds);
                });
    }

    private void send(String key, String value) {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        kafka.bootstrapServers(),
                        ProducerConfig.ACKS_CONFIG,
                        "all"),
                new StringSerializer(),
                new StringSerializer())) {
            producer.send(new ProducerRecord<>(TRANSFER_TOPIC, key, value)).get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException failed) {
            throw new IllegalStateException(failed);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(interrupted);
        }
    }
}
