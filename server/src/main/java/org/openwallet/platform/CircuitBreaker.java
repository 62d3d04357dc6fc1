package org.openwallet.platform;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Stops waiting on a dependency that keeps failing. After {@code failureThreshold} failures in a
 * row the breaker opens: calls are refused at once for {@code openDuration}. Then one trial call
 * is let through (half-open); its success closes the breaker, its failure opens it again.
 */
public final class CircuitBreaker {
    private final int failureThreshold;
    private final long openMillis;
    private final Clock clock;
    private final AtomicInteger consecutiveFailures = new AtomicInteger();
    private final AtomicLong openUntilMillis = new AtomicLong();
    private final AtomicBoolean trialInFlight = new AtomicBoolean();

    public CircuitBreaker(int failureThreshold, Duration openDuration, Clock clock) {
        this.failureThreshold = failureThreshold;
        this.openMillis = openDuration.toMillis();
        this.clock = clock;
    }

    /** Whether a call may go ahead now. A caller that gets true must report its outcome. */
    public boolean allowRequest() {
        if (consecutiveFailures.get() < failureThreshold) {
            return true;
        }
        if (clock.millis() < openUntilMillis.get()) {
            return false;
        }
        return trialInFlight.compareAndSet(false, true);
    }

    public void recordSuccess() {
        consecutiveFailures.set(0);
        trialInFlight.set(false);
    }

    /**
     * Counts a failure. True for exactly one caller per opening: the one whose failure reached the
     * threshold (many calls in flight may fail together; only one of them opened the breaker).
     */
    public boolean recordFailure() {
        int failures = consecutiveFailures.incrementAndGet();
        if (failures >= failureThreshold) {
            openUntilMillis.set(clock.millis() + openMillis);
        }
        trialInFlight.set(false);
        return failures == failureThreshold;
    }

    public boolean isOpen() {
        return consecutiveFailures.get() >= failureThreshold;
    }
}
