package org.openwallet.platform;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.openwallet.Api;
import org.openwallet.WalletIntegrationTest;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.env.Environment;
import tools.jackson.databind.JsonNode;

/**
 * The public port answers {@code /actuator/health} with the status alone and serves no metrics;
 * the actuator with health details and Prometheus is on the management port, bound to 127.0.0.1.
 * The bank simulator's webhooks go to the public port, where the webhook endpoint is, not to the
 * management port, which starts after it.
 */
class ManagementPortApiTest extends WalletIntegrationTest {
    @Autowired
    Environment environment;

    @Autowired
    EmbeddedBankSimulator bank;

    @Test
    void publicHealth_forAnAnonymousCaller_isTheStatusWithoutDetails() {
        Api.Response response = api.get("/actuator/health", null);

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        JsonNode health = response.json();
        assertThat(health.propertyNames()).containsExactly("status");
        assertThat(health.get("status").asString()).isEqualTo("UP");
        assertThat(response.body()).doesNotContain("components", "details", "outboxRelayLag", "diskSpace");
        // The probes of the health groups are on the public port too, for a load balancer or Kubernetes.
        assertThat(api.get("/livez", null).status()).isEqualTo(200);
        assertThat(api.get("/readyz", null).status()).isEqualTo(200);
    }

    @Test
    void prometheus_isNotOnThePublicPort_butOnTheManagementPort() {
        Api.Response publicScrape = api.get("/actuator/prometheus", null);
        assertThat(publicScrape.status()).as(publicScrape.body()).isEqualTo(404);
        assertThat(publicScrape.body()).doesNotContain("jvm_memory", "wallet_");

        Api.Response scrape = management.get("/actuator/prometheus", null);
        assertThat(scrape.status()).as(scrape.body()).isEqualTo(200);
        assertThat(scrape.header("Content-Type")).startsWith("text/plain");
        assertThat(scrape.body()).contains("jvm_memory_used_bytes");
        assertThat(managementPort).isNotEqualTo(Integer.parseInt(environment.getProperty("local.server.port")));
    }

    @Test
    void healthDetails_areOnTheManagementPort_whichListensOnLoopbackOnly() {
        Api.Response response = management.get("/actuator/health", null);

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.json().get("components").propertyNames()).isNotEmpty();
        // The shipped default, which this test context does not override.
        assertThat(environment.getProperty("management.server.address")).isEqualTo("127.0.0.1");
    }

    @Test
    void theBankSimulatorsWebhooks_goToThePublicPort_notToTheManagementPort() {
        Api.Response config = new Api(bank.baseUrl().toString()).get("/admin/config", null);

        assertThat(config.status()).as(config.body()).isEqualTo(200);
        assertThat(config.json().get("webhook_url").asString())
                .isEqualTo("http://127.0.0.1:" + environment.getProperty("local.server.port") + "/v1/webhooks/bank");
    }
}
