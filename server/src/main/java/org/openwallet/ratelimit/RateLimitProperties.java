package org.openwallet.ratelimit;

import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Configuration;

/** {@code wallet.rate-limits.limits.<name>.capacity} and {@code .period}; defaults in application.properties. */
@ConfigurationProperties("wallet.rate-limits")
record RateLimitProperties(Map<String, Setting> limits) {
    record Setting(int capacity, Duration period) {
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(RateLimitProperties.class)
    static class Enable {
    }
}
