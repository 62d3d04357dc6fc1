package org.openwallet.fraud;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.context.annotation.Configuration;

/**
 * The fraud rules' settings ({@code wallet.fraud.*}). Amounts are decimal strings in the wallet's
 * default currency.
 *
 * @param budget          how long a decision may take before {@code onTimeout} applies
 * @param onTimeout       {@code allow} or {@code decline}
 * @param velocityWindow  the rolling window of the velocity rule
 * @param maxInFlight     how many evaluations may run at once on this node, late ones included; past
 *                        it the soft rules are skipped at once per {@code onTimeout}. Each holds at most
 *                        one database connection, so keep it well below {@code wallet.database.pool-size}
 */
@ConfigurationProperties("wallet.fraud")
record FraudProperties(
        @DefaultValue("20ms") Duration budget,
        @DefaultValue("allow") String onTimeout,
        @DefaultValue("10m") Duration velocityWindow,
        @DefaultValue("20") int velocityMaxCount,
        @DefaultValue("2000.00") String velocityMaxAmount,
        @DefaultValue("7d") Duration weeklyWindow,
        @DefaultValue("299.99") String weeklyLimitUnverified,
        @DefaultValue("4999.99") String weeklyLimitVerified,
        @DefaultValue("500.00") String newRecipientLargeAmount,
        @DefaultValue("200.00") String newIpLargeAmount,
        @DefaultValue List<String> blockedIps,
        @DefaultValue("8") int maxInFlight) {

    FraudProperties {
        if (!onTimeout.equals("allow") && !onTimeout.equals("decline")) {
            throw new IllegalArgumentException("wallet.fraud.on-timeout must be allow or decline, not " + onTimeout);
        }
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("wallet.fraud.max-in-flight must be at least 1");
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(FraudProperties.class)
    static class Enable {
    }
}
