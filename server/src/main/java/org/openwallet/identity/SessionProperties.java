package org.openwallet.identity;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.context.annotation.Configuration;

/**
 * Sessions ({@code wallet.sessions.*}).
 *
 * @param refreshTokenTtl          how long a refresh token lives; each refresh starts a new one, so a
 *                                 session ends after this long without use
 * @param maxPerUser               active sessions a user may have; a login past it ends the least recently used
 * @param revocationPollInterval   how often every node reads the sessions ended since its last look
 * @param revocationMaxStaleness   how old that knowledge may get (the database unreachable) before the
 *                                 node answers 503 rather than honour tokens it can no longer check
 */
@ConfigurationProperties("wallet.sessions")
record SessionProperties(
        @DefaultValue("30d") Duration refreshTokenTtl,
        @DefaultValue("100") int maxPerUser,
        @DefaultValue("1s") Duration revocationPollInterval,
        @DefaultValue("30s") Duration revocationMaxStaleness) {

    SessionProperties {
        if (maxPerUser < 1) {
            throw new IllegalArgumentException("wallet.sessions.max-per-user must be at least 1");
        }
        if (revocationMaxStaleness.compareTo(revocationPollInterval.multipliedBy(3)) < 0) {
            throw new IllegalArgumentException(
                    "wallet.sessions.revocation-max-staleness must be at least three poll intervals");
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(SessionProperties.class)
    static class Enable {}
}
