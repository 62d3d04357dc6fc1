package org.openwallet.platform;

import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Stops waiting on a dependency that keeps failing: the wallet's one breaker policy, on
 * Resilience4j's state machine. After {@code failureThreshold} failures in a row the breaker opens:
 * calls are refused at once for {@code openDuration}. Then one trial call is let through
 * (half-open); its success closes the breaker, its failure opens it again.
 *
 * <p>"In a row" is Resilience4j's count-based window of {@code failureThreshold} calls that must all
 * have failed (rate threshold 100 %): one success among them keeps the breaker closed.
 */
public final class CircuitBreaker {
    private final io.github.resilience4j.circuitbreaker.CircuitBreaker breaker;
    /** Set by the transition listener, which runs on the thread whose failure opened the breaker. */
    private final ThreadLocal<Boolean> openedHere = ThreadLocal.withInitial(() -> false);

    public CircuitBreaker(String name, int failureThreshold, Duration openDuration, Clock clock) {
        breaker = io.github.resilience4j.circuitbreaker.CircuitBreaker.of(
                name,
                CircuitBreakerConfig.custom()
                        .slidingWindowType(SlidingWindowType.COUNT_BASED)
                        .slidingWindowSize(failureThreshold)
                        .minimumNumberOfCalls(failureThreshold)
                        .failureRateThreshold(100)
                        .permittedNumberOfCallsInHalfOpenState(1)
                        .waitDurationInOpenState(openDuration)
                        .clock(clock)
                        .build());
        breaker.getEventPublisher().onStateTransition(event -> {
            if (event.getStateTransition().getFromState() == State.CLOSED
                    && event.getStateTransition().getToState() == State.OPEN) {
                openedHere.set(true);
            }
        });
    }

    /** Whether a call may go ahead now. A caller that gets true must report its outcome. */
    public boolean allowRequest() {
        return breaker.tryAcquirePermission();
    }

    public void recordSuccess() {
        breaker.onSuccess(0, TimeUnit.NANOSECONDS);
    }

    /**
     * Counts a failure. True for exactly one caller per opening: the one whose failure reached the
     * threshold (many calls in flight may fail together; only one of them opened the breaker).
     */
    public boolean recordFailure() {
        breaker.onError(0, TimeUnit.NANOSECONDS, Failure.INSTANCE);
        boolean opened = openedHere.get();
        openedHere.set(false);
        return opened;
    }

    /** Open or half-open: the dependency has failed {@code failureThreshold} times and not answered since. */
    public boolean isOpen() {
        return breaker.getState() != State.CLOSED;
    }

    /** The failure Resilience4j is told of: the callers keep the real cause for their own logs. */
    private static final class Failure extends RuntimeException {
        @java.io.Serial
        private static final long serialVersionUID = 1L;

        static final Failure INSTANCE = new Failure();

        private Failure() {
            super("dependency call failed", null, false, false);
        }
    }
}
