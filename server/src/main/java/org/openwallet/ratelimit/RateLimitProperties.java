package org.openwallet.ratelimit;

import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.context.annotation.Configuration;

/**
 * {@code wallet.rate-limits.limits.<name>.capacity} and {@code .period}; defaults in application.properties.
 * {@code loginDelayPerFailure} and {@code loginMaxDelay}: how long a login waits for each recent failure
 * of its handle (from any IP), and at most. {@code localMaxBuckets}: how many buckets one node keeps in
 * memory while Redis cannot be asked (about 200 bytes each; the least recently used is forgotten first).
 */
@ConfigurationProperties("wallet.rate-limits")
record RateLimitProperties(
        Map<String, Setting> limits,
        @DefaultValue("200ms") Duration loginDelayPerFailure,
        @DefaultValue("2s") Duration loginMaxDelay,
        @DefaultValue("100000") int localMaxBuckets) {
    record Setting(int capacity, Duration period) {}

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(RateLimitProperties.class)
    static class Enable {}
}
