package org.openwallet.identity;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.openwallet.platform.OverloadedException;
import org.openwallet.platform.WalletProperties;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.security.crypto.argon2.Argon2PasswordEncoder;
import org.springframework.stereotype.Component;

/**
 * Argon2id password hashes, by default with Spring Security's parameters (16 MiB, 2 passes; see
 * {@link WalletProperties.Passwords}). Hashing is deliberately slow; it runs before any database
 * transaction is opened. A hash names its own parameters, so checking follows whatever it was made with.
 *
 * <p>Every hash, a check or the decoy check of an unknown handle alike, takes one of a bounded
 * number of permits: a burst of sign-ups or logins would otherwise run one 16 MiB hash per request
 * thread (virtual threads: thousands) on the heap the ledger needs. A request that finds every
 * permit taken waits a moment, then is refused with 503 and Retry-After; it did nothing yet.
 */
@Component
class PasswordHasher {
    private static final int SALT_BYTES = 16;
    private static final int HASH_BYTES = 32;
    /** Retry-After for a request refused because every hash permit stayed busy; hashes finish within a second. */
    static final long BUSY_RETRY_AFTER_SECONDS = 1;

    private final Argon2PasswordEncoder encoder;
    /** Compared against when a handle is unknown, so that case takes as long as a wrong password. */
    private final String decoyHash;
    private final int limit;
    private final Semaphore permits;
    private final long waitNanos;
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger peak = new AtomicInteger();
    private final Counter refused;

    @Autowired
    PasswordHasher(WalletProperties properties, MeterRegistry meters) {
        this(properties.passwords(), meters);
    }

    PasswordHasher(WalletProperties.Passwords cost) {
        this(cost, new SimpleMeterRegistry());
    }

    private PasswordHasher(WalletProperties.Passwords cost, MeterRegistry meters) {
        this.encoder = new Argon2PasswordEncoder(SALT_BYTES, HASH_BYTES, 1, cost.memoryKib(), cost.iterations());
        this.decoyHash = encoder.encode("decoy password that matches nothing");
        this.limit = cost.concurrentHashLimit();
        // Fair, so that under a burst the requests that waited longest get the next permit.
        this.permits = new Semaphore(limit, true);
        this.waitNanos = cost.hashWait().toNanos();
        meters.gauge("wallet.passwords.hashes.running", running);
        this.refused = meters.counter("wallet.passwords.hashes.refused");
    }

    /** @throws OverloadedException when no hash permit is free within the wait */
    String hash(String password) {
        return bounded(() -> encoder.encode(password));
    }

    /** @throws OverloadedException when no hash permit is free within the wait */
    boolean matches(String password, String hash) {
        return bounded(() -> encoder.matches(password, hash));
    }

    /** @throws OverloadedException when no hash permit is free within the wait */
    void spendTimeOfOneCheck(String password) {
        bounded(() -> encoder.matches(password, decoyHash));
    }

    /** The most hashes that ever ran at once in this process; never more than {@link #limit()}. */
    int peakConcurrentHashes() {
        return peak.get();
    }

    int limit() {
        return limit;
    }

    private <T> T bounded(Supplier<T> work) {
        boolean acquired;
        try {
            acquired = permits.tryAcquire(waitNanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            acquired = false;
        }
        if (!acquired) {
            refused.increment();
            throw new OverloadedException("Too many sign-ups and logins at once; retry in a moment.", BUSY_RETRY_AFTER_SECONDS);
        }
        try {
            peak.accumulateAndGet(running.incrementAndGet(), Math::max);
            return work.get();
        } finally {
            running.decrementAndGet();
            permits.release();
        }
    }
}
