package org.openwallet.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openwallet.Api;
import org.openwallet.Eventually;
import org.openwallet.OwnDataDirectory;
import org.openwallet.WalletIntegrationTest;
import org.openwallet.platform.kafka.KafkaCluster;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * A relay outage shows as lag (WAL bytes the slot holds, age of the oldest unpublished event), in
 * the gauges and in {@code /actuator/health}, which turns DEGRADED past a threshold; once the relay
 * is back the lag goes away. In a context of its own: it stops the relay.
 */
@TestPropertySource(properties = {"wallet.test.context=outbox-relay-lag", "wallet.outbox.degraded-slot-lag=1MB"})
@ContextConfiguration(initializers = OwnDataDirectory.class)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class OutboxRelayLagTest extends WalletIntegrationTest {
    static final Duration WAIT = Duration.ofSeconds(60);
    static final Duration OUTAGE = Duration.ofMillis(1_500);

    @Autowired
    KafkaCluster kafka;

    @Autowired
    OutboxRelay relay;

    @Autowired
    RelayLag lag;

    @Test
    void relayOutage_showsGrowingLag_inGaugesAndHealth_andCatchingUpClearsIt() {
        Payments payments = Payments.among(api, transactions, ledger, 4, 2);
        // Once the relay has published the sign-ups and fundings, the slot is caught up.
        List<Payments.Posted> before = payments.make(5);
        awaitCaughtUp(WAIT);

        relay.stop();
        List<Payments.Posted> during = payments.make(30);
        Eventually.pause(OUTAGE);

        RelayLag.Lag behind = lag.read();
        assertThat(behind.slotExists()).isTrue();
        assertThat(behind.slotActive())
                .as("nobody streams the slot during the outage")
                .isFalse();
        assertThat(behind.bytes()).as("WAL held for the relay").isGreaterThan(10_000);
        assertThat(behind.seconds())
                .as("age of the oldest unpublished event")
                .isGreaterThanOrEqualTo(OUTAGE.toMillis() / 1000.0);
        // Health shows a sample taken in the background (at most wallet.health.interval old): the
        // lag only grows during the outage, so a sample taken after the read above shows at least as much.
        JsonNode details = awaitRelayLagHealth(
                "a health sample taken after the read",
                lagDetails -> lagDetails.get("lagBytes").asLong() >= behind.bytes()
                        && lagDetails.get("lagSeconds").asDouble() >= behind.seconds());
        assertThat(details.get("slotActive").asBoolean()).isFalse();
        assertThat(prometheus())
                .containsPattern("wallet_outbox_slot_lag_bytes [1-9]")
                .containsPattern("wallet_outbox_lag_seconds [1-9]");

        relay.start();
        RelayLag.Lag caughtUp = awaitCaughtUp(WAIT);
        assertThat(caughtUp.bytes()).isLessThan(behind.bytes());
        try (TopicReader reader = new TopicReader(kafka.bootstrapServers(), TransferEvents.TOPIC, WAIT)) {
            TransferEvents.awaitEvery(reader, concat(before, during), WAIT);
        }
        JsonNode after = awaitRelayLagHealth(
                "health showing the relay caught up",
                lagDetails -> lagDetails.get("lagSeconds").asDouble() == 0);
        assertThat(after.get("lagSeconds").asDouble()).isZero();
        assertThat(after.get("slotActive").asBoolean()).isTrue();
    }

    /**
     * Past {@code wallet.outbox.degraded-slot-lag} (1 MB in this context) health turns DEGRADED with
     * the reason, on both ports, and still answers 200 so a load balancer keeps routing to the node;
     * once the relay has caught up it is UP again. The slot is held back by stopping the relay, and
     * WAL is written in bulk (a table of 2 MB, more than the threshold, that the relay does not publish).
     */
    @Test
    void slotHoldingMoreWalThanTheThreshold_makesHealthDegradedWithTheReason_answering200_untilTheRelayCatchesUp() {
        Payments payments = Payments.among(api, transactions, ledger, 2, 1);
        payments.make(1);
        awaitCaughtUp(WAIT);
        awaitStatus("UP");

        relay.stop();
        try {
            // 2 MB and more of WAL in a table the outbox's publication does not include: the slot keeps it, the relay
            // ignores it.
            jdbc.sql(
                            "CREATE TABLE relay_lag_test_filler AS SELECT repeat('x', 1000) AS filler FROM generate_series(1, 2048)")
                    .update();

            JsonNode managementHealth = awaitStatus("DEGRADED");
            JsonNode component = managementHealth.get("components").get("outboxRelayLag");
            assertThat(component.get("status").asString()).isEqualTo("DEGRADED");
            assertThat(component.get("details").get("reason").asString())
                    .startsWith("the outbox relay is behind: its replication slot holds")
                    .contains("MB of WAL (DEGRADED above 1.0 MB)");
            assertThat(component.get("details").get("lagBytes").asLong()).isGreaterThan(DEGRADED_ABOVE_BYTES);
            assertThat(managementHealth
                            .get("components")
                            .get("db")
                            .get("status")
                            .asString())
                    .isEqualTo("UP");

            Api.Response publicHealth = api.get("/actuator/health", null);
            assertThat(publicHealth.status()).as(publicHealth.body()).isEqualTo(200);
            assertThat(publicHealth.json().get("status").asString()).isEqualTo("DEGRADED");
            assertThat(publicHealth.json().get("reason").asString()).startsWith("the outbox relay is behind");
            assertThat(publicHealth.body()).doesNotContain("components", "lagBytes");
            // Payments do not wait for the relay.
            payments.make(1);
        } finally {
            relay.start();
            jdbc.sql("DROP TABLE IF EXISTS relay_lag_test_filler").update();
        }
        payments.make(1);
        awaitCaughtUp(WAIT);
        awaitStatus("UP");
        Api.Response publicHealth = api.get("/actuator/health", null);
        assertThat(publicHealth.status()).isEqualTo(200);
        assertThat(publicHealth.json().propertyNames()).containsExactly("status");
    }

    static final long DEGRADED_ABOVE_BYTES = 1024 * 1024;

    /** The management port's health once its aggregate status is {@code status} (always answered 200 here). */
    private JsonNode awaitStatus(String status) {
        JsonNode[] seen = new JsonNode[1];
        await("health " + status).atMost(WAIT).until(() -> {
            seen[0] = health();
            return seen[0].get("status").asString().equals(status);
        });
        return seen[0];
    }

    /** The outbox lag's health details once {@code condition} holds for them. */
    private JsonNode awaitRelayLagHealth(String what, java.util.function.Predicate<JsonNode> condition) {
        JsonNode[] seen = new JsonNode[1];
        await(what).atMost(WAIT).until(() -> {
            seen[0] = health().get("components").get("outboxRelayLag").get("details");
            return condition.test(seen[0]);
        });
        return seen[0];
    }

    /**
     * Caught up: no unpublished event, and the slot holds little WAL. What remains after the last
     * event is the WAL written since (the relay's own position update, the consumers' writes), which
     * the slot confirms at the next event or heartbeat.
     */
    private RelayLag.Lag awaitCaughtUp(Duration timeout) {
        return await("the relay caught up")
                .atMost(timeout)
                .until(
                        lag::read,
                        current -> current.seconds() == 0 && current.slotActive() && current.bytes() < CAUGHT_UP_BYTES);
    }

    static final long CAUGHT_UP_BYTES = 64 * 1024;

    private JsonNode health() {
        Api.Response response = management.get("/actuator/health", null);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response.json();
    }

    private String prometheus() {
        Api.Response response = management.get("/actuator/prometheus", null);
        assertThat(response.status()).isEqualTo(200);
        return response.body();
    }

    private static <T> List<T> concat(List<T> first, List<T> second) {
        return java.util.stream.Stream.concat(first.stream(), second.stream()).toList();
    }
}
