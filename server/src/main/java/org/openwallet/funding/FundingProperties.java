package org.openwallet.funding;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.context.annotation.Configuration;

/**
 * Funding settings.
 *
 * @param bankUrl            the bank network's base URL; unset starts the bank simulator as a child process
 * @param webhookSecretFile  the secret shared with the bank for webhook signatures (default {@code <data dir>/keys/bank-webhook.key})
 * @param accountKeyFile     the key that seals account numbers (default {@code <data dir>/keys/bank-account.key})
 * @param instantFeeRate     the instant withdrawal fee as a fraction of the amount (0.0175 = 1.75 %)
 * @param instantFeeMin      its minimum, in the currency's units (a decimal string)
 * @param instantFeeMax      its maximum
 * @param bankTimeout        how long one call to the bank may take
 * @param bankAttempts       how many times one submission is tried in a row before it waits for the next sweep
 * @param webhookTolerance   how old a webhook's signed timestamp may be
 * @param stuckAfter         a request still pending after this long is reported by reconciliation
 * @param simulatorDelay     the simulator's settlement delay (embedded mode)
 */
@ConfigurationProperties("wallet.funding")
record FundingProperties(String bankUrl, Path webhookSecretFile, Path accountKeyFile,
                         @DefaultValue("0.0175") BigDecimal instantFeeRate, @DefaultValue("0.25") String instantFeeMin,
                         @DefaultValue("25.00") String instantFeeMax, @DefaultValue("3s") Duration bankTimeout,
                         @DefaultValue("3") int bankAttempts, @DefaultValue("5m") Duration webhookTolerance,
                         @DefaultValue("5d") Duration stuckAfter, @DefaultValue("2s") Duration simulatorDelay) {

    boolean externalBank() {
        return bankUrl != null && !bankUrl.isBlank();
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(FundingProperties.class)
    static class Enable {
    }
}
