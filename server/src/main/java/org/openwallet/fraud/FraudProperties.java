package org.openwallet.fraud;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.context.annotation.Configuration;

/**
 * The fraud rules' settings ({@code wallet.fraud.*}). Amount limits are set per currency, in that
 * currency's units ({@code wallet.fraud.limits.<CODE>.*}); every currency of {@code wallet.currencies}
 * must have them, or the wallet does not start.
 *
 * @param budget          how long a decision may take before {@code onTimeout} applies
 * @param onTimeout       {@code allow} or {@code decline}
 * @param velocityWindow  the rolling window of the velocity rule
 * @param velocityMaxCount the most payments one user may send in {@code velocityWindow}, per currency
 * @param weeklyWindow    the rolling window of the weekly sending limit
 * @param limits          per currency, the amount limits ({@link AmountLimits})
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
        @DefaultValue("7d") Duration weeklyWindow,
        Map<String, AmountLimits> limits,
        @DefaultValue List<String> blockedIps,
        @DefaultValue("8") int maxInFlight) {

    /**
     * One currency's amount limits, as decimal strings in its units (shipped for USD: 2000.00,
     * 299.99, 4999.99, 500.00, 200.00).
     *
     * @param velocityMaxAmount       the most one user may send in this currency in {@code velocity-window}
     * @param weeklyLimitUnverified   the most an unverified user may send in this currency in {@code weekly-window}
     * @param weeklyLimitVerified     the same for a verified user
     * @param newRecipientLargeAmount from this amount on, a first payment to a recipient is declined
     * @param newIpLargeAmount        from this amount on, a payment from an IP the sender has not paid from before is declined
     */
    record AmountLimits(
            String velocityMaxAmount,
            String weeklyLimitUnverified,
            String weeklyLimitVerified,
            String newRecipientLargeAmount,
            String newIpLargeAmount) {}

    FraudProperties {
        limits = limits == null ? Map.of() : Map.copyOf(limits);
        if (!onTimeout.equals("allow") && !onTimeout.equals("decline")) {
            throw new IllegalArgumentException("wallet.fraud.on-timeout must be allow or decline, not " + onTimeout);
        }
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("wallet.fraud.max-in-flight must be at least 1");
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(FraudProperties.class)
    static class Enable {}
}
