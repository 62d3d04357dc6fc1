package org.openwallet.funding;

import io.github.resilience4j.retry.RetryRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.function.Supplier;
import org.openwallet.platform.config.WalletProperties;
import org.openwallet.platform.crypto.SecretKeys;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.json.JsonMapper;

/**
 * The bank network at {@code wallet.funding.bank-url}. With none configured, the development stack
 * (the {@code devstack} module) starts the bank simulator as a child process for processes with the
 * {@code api} role (which send the orders and receive the webhooks), sets the URL, and points the
 * simulator's webhooks at this server. Both sides share the webhook secret file.
 */
@Configuration(proxyBeanMethods = false)
class FundingConfiguration {

    @Bean
    BankWebhooks bankWebhooks(FundingProperties funding, WalletProperties wallet, Clock clock) {
        return new BankWebhooks(
                SecretKeys.loadOrCreate(webhookSecretFile(funding, wallet), 32), funding.webhookTolerance(), clock);
    }

    /** Without a bank URL (a process without the api role and no development stack), a call to the bank fails, saying so. */
    @Bean
    BankNetwork bankNetwork(FundingProperties funding, JsonMapper json, Clock clock, RetryRegistry retries) {
        Supplier<String> url = () -> {
            if (!funding.externalBank()) {
                throw new IllegalStateException(
                        "wallet.funding.bank-url (WALLET_BANK_URL) is not set, and there is no development stack"
                                + " on the classpath to start the bank simulator: set it, or start the wallet with ./wallet run");
            }
            return funding.bankUrl();
        };
        return new HttpBankNetwork(url, json, funding.bankTimeout(), funding.bankAttempts(), clock, retries);
    }

    static Path webhookSecretFile(FundingProperties funding, WalletProperties wallet) {
        return funding.webhookSecretFile() != null
                ? funding.webhookSecretFile()
                : wallet.dataDir().resolve("keys").resolve("bank-webhook.key");
    }
}
