package org.openwallet.identity;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.context.annotation.Configuration;

/**
 * Passwords ({@code wallet.passwords.*}): the Argon2id cost of new password hashes (memory in KiB and passes; one lane). A stored hash
 * carries its own parameters, so changing these never locks anyone out. The defaults are Spring
 * Security's (RFC 9106's second recommendation scaled down); lower ones weaken every password
 * hashed under them, and exist for benchmarks that sign up thousands of users.
 *
 * <p>Each hash holds {@code memoryKib} of heap for its whole run, on the heap that also holds the
 * ledger's work, and its CPU, so at most {@code maxConcurrentHashes} run at once (0: one per
 * processor, at least 2, as more only queue on the CPU the ledger also needs); a sign-up or login
 * that finds them all busy waits up to {@code hashWait}, then is answered 503 with Retry-After.
 */
@ConfigurationProperties("wallet.passwords")
record PasswordProperties(
        @DefaultValue("16384") int memoryKib,
        @DefaultValue("2") int iterations,
        @DefaultValue("0") int maxConcurrentHashes,
        @DefaultValue("1s") Duration hashWait) {
    public PasswordProperties {
        if (memoryKib < 8 || iterations < 1) {
            throw new IllegalArgumentException("wallet.passwords needs memory-kib >= 8 and iterations >= 1");
        }
        if (maxConcurrentHashes < 0 || hashWait.isNegative()) {
            throw new IllegalArgumentException(
                    "wallet.passwords needs max-concurrent-hashes >= 0 and a hash-wait >= 0");
        }
    }

    /** The bound on concurrent hashes: the setting, or one per processor (at least 2) when it is 0. */
    public int concurrentHashLimit() {
        return maxConcurrentHashes > 0
                ? maxConcurrentHashes
                : Math.max(2, Runtime.getRuntime().availableProcessors());
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(PasswordProperties.class)
    static class Enable {}
}
