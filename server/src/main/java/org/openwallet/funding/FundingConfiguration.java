package org.openwallet.funding;

import java.nio.file.Path;
import java.time.Clock;
import org.openwallet.platform.SecretKeys;
import org.openwallet.platform.WalletProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.json.JsonMapper;

/** The bank: an external network at {@code wallet.funding.bank-url}, or the bank simulator started as a child process. */
@Configuration(proxyBeanMethods = false)
class FundingConfiguration {

    @Bean
    BankWebhooks bankWebhooks(FundingProperties funding, WalletProperties wallet, Clock clock) {
        return new BankWebhooks(SecretKeys.loadOrCreate(webhookSecretFile(funding, wallet), 32), funding.webhookTolerance(), clock);
    }

    @Bean
    BankNetwork bankNetwork(FundingProperties funding, JsonMapper json, Clock clock) {
        return new HttpBankNetwork(funding::bankUrl, json, funding.bankTimeout(), funding.bankAttempts(), clock);
    }

    static Path webhookSecretFile(FundingProperties funding, WalletProperties wallet) {
        return funding.webhookSecretFile() != null ? funding.webhookSecretFile() : wallet.dataDir().resolve("keys").resolve("bank-webhook.key");
    }
}
