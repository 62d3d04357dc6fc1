package org.openwallet.funding;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
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
 * @param instantFeeBounds   per currency, the fee's minimum and maximum in that currency's units (decimal
 *                           strings); every currency of {@code wallet.currencies} needs an entry, or the wallet does not start
 * @param bankTimeout        how long one call to the bank may take
 * @param bankAttempts       how many times one submission is tried in a row before it waits for the next sweep
 * @param webhookTolerance   how old a webhook's signed timestamp may be
 * @param stuckAfter         a request still pending after this long is reported by reconciliation
 * @param simulatorDelay     the simulator's settlement delay (embedded mode)
 * @param maxBankAccounts    how many bank accounts one user may have linked (pending verification or verified) at once
 * @param verificationAttempts how many wrong micro-deposit answers lock an account ({@code verification_failed})
 * @param depositHoldBusinessDays how many business days (Monday to Friday, UTC) after its settlement a deposit's money
 *                           cannot be withdrawn, because the bank can still return it; 0 turns the hold off
 * @param withdrawalWeeklyLimits per currency, the most a user may withdraw in {@code withdrawalWindow} by verification
 *                           tier (decimal strings); a currency without an entry cannot be withdrawn
 * @param withdrawalWindow   the rolling window of the weekly withdrawal limit
 * @param withdrawalVelocityMaxCount the most withdrawals one user may make in {@code withdrawalVelocityWindow}
 * @param withdrawalVelocityWindow its rolling window
 */
@ConfigurationProperties("wallet.funding")
record FundingProperties(
        String bankUrl,
        Path webhookSecretFile,
        Path accountKeyFile,
        @DefaultValue("0.0175") BigDecimal instantFeeRate,
        Map<String, FeeBounds> instantFeeBounds,
        @DefaultValue("3s") Duration bankTimeout,
        @DefaultValue("3") int bankAttempts,
        @DefaultValue("5m") Duration webhookTolerance,
        @DefaultValue("5d") Duration stuckAfter,
        @DefaultValue("2s") Duration simulatorDelay,
        @DefaultValue("5") int maxBankAccounts,
        @DefaultValue("3") int verificationAttempts,
        @DefaultValue("3") int depositHoldBusinessDays,
        Map<String, TierLimits> withdrawalWeeklyLimits,
        @DefaultValue("7d") Duration withdrawalWindow,
        @DefaultValue("5") int withdrawalVelocityMaxCount,
        @DefaultValue("24h") Duration withdrawalVelocityWindow) {

    /** A limit per verification tier ({@code fraud_profiles.tier}), in the currency's units. */
    record TierLimits(String unverified, String verified) {}

    /** The instant fee's bounds in one currency, in its units (shipped for USD: 0.25 and 25.00). */
    record FeeBounds(String min, String max) {}

    FundingProperties {
        instantFeeBounds = instantFeeBounds == null ? Map.of() : Map.copyOf(instantFeeBounds);
        withdrawalWeeklyLimits = withdrawalWeeklyLimits == null ? Map.of() : Map.copyOf(withdrawalWeeklyLimits);
        if (maxBankAccounts < 1
                || verificationAttempts < 1
                || depositHoldBusinessDays < 0
                || withdrawalVelocityMaxCount < 1) {
            throw new IllegalArgumentException(
                    "wallet.funding: max-bank-accounts, verification-attempts and withdrawal-velocity-max-count "
                            + "must be at least 1, deposit-hold-business-days at least 0");
        }
    }

    boolean externalBank() {
        return bankUrl != null && !bankUrl.isBlank();
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(FundingProperties.class)
    static class Enable {}
}
