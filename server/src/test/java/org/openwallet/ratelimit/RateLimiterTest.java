package org.openwallet.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.openwallet.ratelimit.RateLimiter.Limit;
import org.openwallet.ratelimit.RateLimiter.Outcome;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The token bucket itself, against the context's real Redis (the Lua script, Redis's clock). Each
 * test uses a limit name and subject of its own, so they share the context of
 * {@link RateLimitApiTest} without touching its buckets.
 */
class RateLimiterTest extends RateLimitApiTest.ProductionLimits {
    private static final int THREADS = 16;

    @Autowired
    RateLimiter limiter;

    private static Limit limit(int capacity, Duration period) {
        return new Limit("test-" + UUID.randomUUID(), capacity, period);
    }

    private static String subject() {
        return "subject-" + UUID.randomUUID();
    }

    @Test
    void concurrentConsumers_getExactlyTheCapacity() throws Exception {
        // One token per 72 s: nothing refills while the test runs.
        Limit limit = limit(50, Duration.ofHours(1));
        String subject = subject();
        int attemptsPerThread = 10;
        CyclicBarrier start = new CyclicBarrier(THREADS);
        List<Future<Integer>> threads = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(THREADS)) {
            for (int t = 0; t < THREADS; t++) {
                threads.add(pool.submit(() -> {
                    start.await(10, TimeUnit.SECONDS);
                    int allowed = 0;
                    for (int i = 0; i < attemptsPerThread; i++) {
                        Outcome outcome = limiter.consume(limit, subject);
                        assertThat(outcome.remaining()).isBetween(0L, 49L);
                        if (outcome.allowed()) {
                            allowed++;
                        } else {
                            assertThat(outcome.retryAfterSeconds()).isPositive();
                        }
                    }
                    return allowed;
                }));
            }
            int allowed = 0;
            for (Future<Integer> thread : threads) {
                allowed += thread.get(30, TimeUnit.SECONDS);
            }
            assertThat(allowed).isEqualTo(50);
        }
        Outcome after = limiter.consume(limit, subject);
        assertThat(after.allowed()).isFalse();
        assertThat(after.remaining()).isZero();
        // The subject's bucket is its own: another subject under the same limit starts full.
        assertThat(limiter.consume(limit, subject()).remaining()).isEqualTo(49);
    }

    @Test
    void anEmptyBucketRefillsOverThePeriod() throws InterruptedException {
        Limit limit = limit(5, Duration.ofSeconds(1));
        String subject = subject();
        long started = System.nanoTime();
        Outcome first = limiter.consume(limit, subject);
        assertThat(first.allowed()).isTrue();
        assertThat(first.remaining()).isEqualTo(4);
        // Drain it. (It refills at 5 per second, so a slow run gets a token or two more meanwhile.)
        Drained drained = drain(limit, subject);
        assertThat(1 + drained.allowed()).isBetween(5, 5 + (int) ((System.nanoTime() - started) / 1e9 * 5));
        assertThat(drained.refused().retryAfterSeconds()).isEqualTo(1);
        assertThat(drained.refused().resetSeconds()).isEqualTo(1);

        // Refilled continuously: after 0.45 s, two tokens (2.25), plus what the time around the
        // calls may add on a slow run.
        Thread.sleep(450);
        Drained partly = drain(limit, subject);
        assertThat(partly.allowed()).isBetween(2, (int) ((System.nanoTime() - drained.refusedSentAt()) / 1e9 * 5));

        Thread.sleep(1_100);

        // Full again after the period, and never fuller than the capacity.
        Drained refilled = drain(limit, subject);
        assertThat(refilled.allowed()).isBetween(5, 5 + (int) (refilled.seconds() * 5));
        Thread.sleep(2_200);
        Drained longWait = drain(limit, subject);
        assertThat(longWait.allowed())
                .as("a long wait does not earn more than the capacity")
                .isBetween(5, 5 + (int) (longWait.seconds() * 5));
    }

    /** {@code refusedSentAt}: System.nanoTime() just before the refused call was made. */
    private record Drained(int allowed, Outcome refused, double seconds, long refusedSentAt) {}

    /** Consumes until refused; how many were allowed, the refusal, and how long it took. */
    private Drained drain(Limit limit, String subject) {
        long started = System.nanoTime();
        for (int allowed = 0; allowed < 100; allowed++) {
            long sent = System.nanoTime();
            Outcome outcome = limiter.consume(limit, subject);
            if (!outcome.allowed()) {
                return new Drained(allowed, outcome, (System.nanoTime() - started) / 1e9, sent);
            }
        }
        throw new AssertionError("never refused");
    }

    @Test
    void peekDoesNotConsume() {
        Limit limit = limit(3, Duration.ofHours(1));
        String subject = subject();
        for (int i = 0; i < 10; i++) {
            Outcome peeked = limiter.peek(limit, subject);
            assertThat(peeked.allowed()).isTrue();
            assertThat(peeked.remaining()).isEqualTo(3);
        }
        for (int i = 0; i < 3; i++) {
            assertThat(limiter.consume(limit, subject).allowed()).isTrue();
        }
        assertThat(limiter.consume(limit, subject).allowed()).isFalse();
        Outcome peeked = limiter.peek(limit, subject);
        assertThat(peeked.allowed()).isFalse();
        assertThat(peeked.remaining()).isZero();
    }

    @Test
    void penalizeTakesATokenEvenWhenNoneIsLeft_andRestartsTheWait() throws InterruptedException {
        // One token per 10 s.
        Limit limit = limit(1, Duration.ofSeconds(10));
        String subject = subject();
        Outcome first = limiter.penalize(limit, subject);
        assertThat(first.remaining()).isZero();
        assertThat(limiter.peek(limit, subject).allowed()).isFalse();

        // Unlike consume, penalize is not refused at zero ...
        Outcome atZero = limiter.penalize(limit, subject);
        assertThat(atZero.allowed()).isTrue();
        assertThat(atZero.remaining()).isZero();
        assertThat(atZero.retryAfterSeconds()).isEqualTo(10);

        // ... and it takes what has refilled since: the wait for a token starts again.
        Thread.sleep(1_100);
        assertThat(limiter.peek(limit, subject).retryAfterSeconds()).isLessThanOrEqualTo(9);
        Outcome again = limiter.penalize(limit, subject);
        assertThat(again.remaining()).isZero();
        assertThat(again.retryAfterSeconds()).isEqualTo(10);
        Outcome peeked = limiter.peek(limit, subject);
        assertThat(peeked.allowed()).isFalse();
        assertThat(peeked.retryAfterSeconds()).isEqualTo(10);

        // Consume, by contrast, takes nothing from an empty bucket.
        Limit other = limit(1, Duration.ofSeconds(10));
        String otherSubject = subject();
        assertThat(limiter.consume(other, otherSubject).allowed()).isTrue();
        Thread.sleep(1_100);
        Outcome refused = limiter.consume(other, otherSubject);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.retryAfterSeconds()).isLessThanOrEqualTo(9);
    }
}
