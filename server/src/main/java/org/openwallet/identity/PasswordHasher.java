package org.openwallet.identity;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.openwallet.platform.web.OverloadedException;
import org.openwallet.platform.web.ProblemCode;
import org.openwallet.platform.web.ProblemException;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.security.crypto.argon2.Argon2PasswordEncoder;
import org.springframework.stereotype.Component;

/**
 * Argon2id password hashes, by default with Spring Security's parameters (16 MiB, 2 passes; see
 * {@link PasswordProperties}). Hashing is deliberately slow; it runs before any database
 * transaction is opened. A hash names its own parameters, so checking follows whatever it was made with.
 *
 * <p>Every hash, a check or the decoy check of an unknown handle alike, takes one of a bounded
 * number of permits: a burst of sign-ups or logins would otherwise run one 16 MiB hash per request
 * thread (virtual threads: thousands) on the heap the ledger needs. A request that finds every
 * permit taken waits a moment, then is refused with 503 and Retry-After; it did nothing yet.
 *
 * <p>The hashes run on platform threads of their own, one per permit, never on the request's
 * virtual thread: a hash is seconds of CPU without a single blocking call, so it would keep its
 * carrier thread (there is one per processor) to itself, and a few of them would stall every other
 * request, the waiting ones included, whose wait could then not even time out.
 */
@Component
class PasswordHasher implements AutoCloseable {
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
    private final ExecutorService hashThreads;

    PasswordHasher(PasswordProperties cost) {
        this(cost, new SimpleMeterRegistry());
    }

    @Autowired
    PasswordHasher(PasswordProperties cost, MeterRegistry meters) {
        this.encoder = new Argon2PasswordEncoder(SALT_BYTES, HASH_BYTES, 1, cost.memoryKib(), cost.iterations());
        this.decoyHash = encoder.encode("decoy password that matches nothing");
        this.limit = cost.concurrentHashLimit();
        // Fair, so that under a burst the requests that waited longest get the next permit.
        this.permits = new Semaphore(limit, true);
        this.waitNanos = cost.hashWait().toNanos();
        // As many threads as permits: a hash that has its permit never queues for a thread.
        this.hashThreads = Executors.newFixedThreadPool(
                limit, Thread.ofPlatform().name("password-hash-", 0).daemon().factory());
        meters.gauge("wallet.passwords.hashes.running", running);
        this.refused = meters.counter("wallet.passwords.hashes.refused");
    }

    /**
     * @throws OverloadedException when no hash permit is free within the wait
     * @throws ProblemException {@code validation_failed} for a password that is not well-formed
     *         Unicode (a lone surrogate has no UTF-8 form, so it cannot be hashed)
     */
    String hash(String password) {
        if (!wellFormed(password)) {
            throw new ProblemException(ProblemCode.VALIDATION_FAILED, "password must be valid Unicode text.");
        }
        return bounded(() -> encoder.encode(password));
    }

    /**
     * A password that is not well-formed Unicode matches nothing (no hash was ever made of one),
     * after the time of one check, like any wrong password.
     *
     * @throws OverloadedException when no hash permit is free within the wait
     */
    boolean matches(String password, String hash) {
        if (!wellFormed(password)) {
            spendTimeOfOneCheck("");
            return false;
        }
        return bounded(() -> encoder.matches(password, hash));
    }

    /** @throws OverloadedException when no hash permit is free within the wait */
    void spendTimeOfOneCheck(String password) {
        String checkable = wellFormed(password) ? password : "";
        bounded(() -> encoder.matches(checkable, decoyHash));
    }

    /** A lone surrogate has no UTF-8 form, which Argon2 hashes. */
    private static boolean wellFormed(String text) {
        return StandardCharsets.UTF_8.newEncoder().canEncode(text);
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
            throw new OverloadedException(
                    "Too many sign-ups and logins at once; retry in a moment.", BUSY_RETRY_AFTER_SECONDS);
        }
        Future<T> result;
        try {
            result = hashThreads.submit(() -> {
                try {
                    peak.accumulateAndGet(running.incrementAndGet(), Math::max);
                    return work.get();
                } finally {
                    running.decrementAndGet();
                    permits.release();
                }
            });
        } catch (RejectedExecutionException closed) {
            permits.release();
            throw new OverloadedException("The server is shutting down; retry in a moment.", BUSY_RETRY_AFTER_SECONDS);
        }
        try {
            return result.get();
        } catch (ExecutionException failed) {
            throw failed.getCause() instanceof RuntimeException runtime
                    ? runtime
                    : new IllegalStateException(failed.getCause());
        } catch (InterruptedException interrupted) {
            // The hash finishes on its own thread and gives its permit back there.
            Thread.currentThread().interrupt();
            throw new OverloadedException("The request was interrupted; retry in a moment.", BUSY_RETRY_AFTER_SECONDS);
        }
    }

    @Override
    public void close() {
        hashThreads.shutdownNow();
    }
}
