package org.openwallet.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.openwallet.Api;
import org.openwallet.OwnDataDirectory;
import org.openwallet.WalletIntegrationTest;
import org.openwallet.platform.config.WalletProperties;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * With PostgreSQL hung (frozen), {@code /actuator/health} answers at once, on the public and on the
 * management port, with health JSON that says DOWN and why (it used to wait the pool's 5 s and
 * then answer a problem document), so a load balancer can take the node out. Once PostgreSQL is back, health is UP again by itself. In a
 * context of its own: it freezes that context's PostgreSQL. The shipped health interval and timeout
 * (1 s each) apply.
 */
@TestPropertySource(properties = "wallet.test.context=postgres-outage-health")
@ContextConfiguration(initializers = OwnDataDirectory.class)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class PostgresOutageHealthTest extends WalletIntegrationTest {
    /** Health's bound (it answers from the latest background check), with room for a busy machine. */
    private static final Duration ANSWER_LIMIT = Duration.ofSeconds(2);

    private static final Duration WAIT = Duration.ofSeconds(60);
    /** How many answers in a row must each be DOWN, and in time, once the outage shows. */
    private static final int DOWN_ANSWERS = 10;

    @Autowired
    EmbeddedPostgres postgres;

    @Autowired
    WalletProperties properties;

    @Test
    void withPostgresHung_healthAnswersInTimeWithDownAndTheReason_onBothPorts_andIsUpAgainOnceItIsBack()
            throws Exception {
        awaitStatus(api, 200, "UP");
        awaitStatus(management, 200, "UP");
        PostgresOutage outage =
                new PostgresOutage(properties.dataDir().toAbsolutePath().resolve("postgres"), postgres);

        outage.freeze();
        try {
            awaitStatus(api, 503, "DOWN");
            awaitStatus(management, 503, "DOWN");
            for (int i = 0; i < DOWN_ANSWERS; i++) {
                Api.Response publicHealth = timedHealth(api);
                assertThat(publicHealth.status()).as(publicHealth.body()).isEqualTo(503);
                assertThat(publicHealth.header("Content-Type")).startsWith("application/json");
                assertThat(publicHealth.json().get("status").asString()).isEqualTo("DOWN");
                assertThat(publicHealth.json().get("reason").asString()).startsWith("PostgreSQL");
                assertThat(publicHealth.body()).doesNotContain("components", "127.0.0.1", "Connection");

                Api.Response managementHealth = timedHealth(management);
                assertThat(managementHealth.status())
                        .as(managementHealth.body())
                        .isEqualTo(503);
                assertThat(managementHealth.header("Content-Type")).doesNotContain("problem");
                JsonNode db = managementHealth.json().get("components").get("db");
                assertThat(managementHealth.json().get("status").asString()).isEqualTo("DOWN");
                assertThat(db.get("status").asString()).isEqualTo("DOWN");
                assertThat(db.get("details").get("reason").asString())
                        .isIn("PostgreSQL is unreachable", "PostgreSQL did not answer its health check within 1000 ms");
            }

        } finally {
            outage.thaw();
        }

        awaitStatus(api, 200, "UP");
        JsonNode healthy = awaitStatus(management, 200, "UP");
        assertThat(healthy.get("components").get("db").get("status").asString()).isEqualTo("UP");
        assertThat(timedHealth(api).json().propertyNames()).containsExactly("status");
    }

    /** The health answer once it has {@code status}; every answer on the way must come within {@link #ANSWER_LIMIT}. */
    private static JsonNode awaitStatus(Api port, int httpStatus, String status) {
        JsonNode[] seen = new JsonNode[1];
        await("health " + status).atMost(WAIT).until(() -> {
            Api.Response response = timedHealth(port);
            seen[0] = response.json();
            return response.status() == httpStatus
                    && status.equals(seen[0].path("status").asString());
        });
        return seen[0];
    }

    private static Api.Response timedHealth(Api port) {
        long started = System.nanoTime();
        Api.Response response = port.get("/actuator/health", null);
        long elapsedMillis = (System.nanoTime() - started) / 1_000_000;
        assertThat(elapsedMillis)
                .as("health answered within " + ANSWER_LIMIT + ": " + response.body())
                .isLessThan(ANSWER_LIMIT.toMillis());
        return response;
    }
}
