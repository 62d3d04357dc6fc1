package org.openwallet.funding;

import io.github.resilience4j.retry.RetryRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Supplier;
import org.openwallet.platform.EmbeddedBankSimulator;
import org.openwallet.platform.config.WalletProperties;
import org.openwallet.platform.crypto.SecretKeys;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;
import tools.jackson.databind.json.JsonMapper;

/**
 * The bank: an external network at {@code wallet.funding.bank-url}, or else the bank simulator,
 * started by the wallet as a child process (processes with the {@code api} role, which send the
 * orders and receive the webhooks) under {@code <data dir>/bank-simulator}. Both sides share the
 * webhook secret file.
 */
@Configuration(proxyBeanMethods = false)
class FundingConfiguration {

    @Bean
    BankWebhooks bankWebhooks(FundingProperties funding, WalletProperties wallet, Clock clock) {
        return new BankWebhooks(
                SecretKeys.loadOrCreate(webhookSecretFile(funding, wallet), 32), funding.webhookTolerance(), clock);
    }

    @Bean(destroyMethod = "close")
    EmbeddedBankSimulator embeddedBankSimulator(FundingProperties funding, WalletProperties wallet) throws IOException {
        if (funding.externalBank() || !wallet.runs("api")) {
            return null;
        }
        Path secret = webhookSecretFile(funding, wallet);
        SecretKeys.loadOrCreate(secret, 32);
        // The webhook URL needs the HTTP port, known only once the server listens: set below.
        return EmbeddedBankSimulator.start(
                wallet.dataDir().toAbsolutePath().resolve("bank-simulator"), 0, null, secret, funding.simulatorDelay());
    }

    @Bean
    BankNetwork bankNetwork(
            FundingProperties funding,
            ObjectProvider<EmbeddedBankSimulator> simulator,
            JsonMapper json,
            Clock clock,
            RetryRegistry retries) {
        Supplier<String> url = funding.externalBank()
                ? funding::bankUrl
                : () -> simulator.getObject().baseUrl().toString();
        return new HttpBankNetwork(url, json, funding.bankTimeout(), funding.bankAttempts(), clock, retries);
    }

    /**
     * Points the embedded simulator's webhooks at this server's public port once it listens. The
     * management server (the actuator's port of its own) announces itself with the same event,
     * after the public one, from a child context with a server namespace: were it taken too, every
     * webhook would go to the management port, be answered 404, and only the status queries would
     * ever decide a request.
     */
    @EventListener
    void pointSimulatorHere(WebServerInitializedEvent event) throws IOException, InterruptedException {
        if (event.getApplicationContext().getServerNamespace() != null) {
            return;
        }
        EmbeddedBankSimulator simulator = event.getApplicationContext()
                .getBeanProvider(EmbeddedBankSimulator.class)
                .getIfAvailable();
        if (simulator == null) {
            return;
        }
        String webhook = "http://127.0.0.1:" + event.getWebServer().getPort() + "/v1/webhooks/bank";
        HttpResponse<String> answer = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(simulator.baseUrl() + "/admin/config"))
                                .timeout(Duration.ofSeconds(10))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString("{\"webhook_url\":\"" + webhook + "\"}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() != 200) {
            throw new IllegalStateException("The bank simulator refused its webhook URL: " + answer.body());
        }
    }

    static Path webhookSecretFile(FundingProperties funding, WalletProperties wallet) {
        return funding.webhookSecretFile() != null
                ? funding.webhookSecretFile()
                : wallet.dataDir().resolve("keys").resolve("bank-webhook.key");
    }
}
