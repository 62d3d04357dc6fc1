package org.openwallet.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.openwallet.Race;

/** The circuit breaker policy on its own, with a clock the test moves by hand: refused for the whole open period, its last millisecond included, then one trial. */
class CircuitBreakerTest {
    private static final int THRESHOLD = 3;
    private static final Duration OPEN = Duration.ofSeconds(2);

    private final MutableClock clock = new MutableClock(1_000_000);
    private final CircuitBreaker breaker = new CircuitBreaker("test", THRESHOLD, OPEN, clock);

    @Test
    void closedBreaker_letsEveryCallThrough_andOpensOnlyAfterThresholdFailuresInARow() {
        for (int i = 0; i < 10; i++) {
            assertThat(breaker.allowRequest()).isTrue();
        }
        assertThat(breaker.isOpen()).isFalse();

        breaker.recordFailure();
        breaker.recordFailure();
        assertThat(breaker.isOpen()).isFalse();
        assertThat(breaker.allowRequest()).isTrue();

        breaker.recordFailure();
        assertThat(breaker.isOpen()).isTrue();
        assertThat(breaker.allowRequest()).isFalse();
    }

    @Test
    void callsFailingTogether_openTheBreakerOnce_soItsOpeningIsReportedOnce() throws Exception {
        int callers = 16;
        List<Boolean> opened = Race.run(callers, racer -> breaker::recordFailure);

        assertThat(opened).as("callers told they opened the breaker").containsOnlyOnce(true);
        assertThat(breaker.isOpen()).isTrue();
        // The failed trial call after the open period re-opens it; that is no new opening.
        clock.advance(OPEN.toMillis() + 1);
        assertThat(breaker.allowRequest()).isTrue();
        assertThat(breaker.recordFailure()).isFalse();
        assertThat(breaker.isOpen()).isTrue();
    }

    @Test
    void aSuccessBetweenFailures_resetsTheCount_soOnlyConsecutiveFailuresOpen() {
        breaker.recordFailure();
        breaker.recordFailure();
        breaker.recordSuccess();
        breaker.recordFailure();
        breaker.recordFailure();
        assertThat(breaker.isOpen()).isFalse();
        assertThat(breaker.allowRequest()).isTrue();
        breaker.recordFailure();
        assertThat(breaker.isOpen()).isTrue();
    }

    @Test
    void openBreaker_refusesEveryCallForTheWholeOpenPeriod() {
        open();
        for (long elapsed = 0; elapsed < OPEN.toMillis(); elapsed += 250) {
            clock.set(openedAt + elapsed);
            assertThat(breaker.allowRequest())
                    .as("%d ms after opening", elapsed)
                    .isFalse();
        }
        clock.set(openedAt + OPEN.toMillis());
        assertThat(breaker.allowRequest()).isFalse();
        assertThat(breaker.isOpen()).isTrue();
    }

    @Test
    void afterTheOpenPeriod_exactlyOneOfManyConcurrentCallersGetsTheTrial() throws Exception {
        open();
        clock.set(openedAt + OPEN.toMillis() + 1);
        int callers = 32;
        List<Boolean> answers = Race.run(callers, racer -> breaker::allowRequest);
        assertThat(answers).as("callers let through while half-open").containsOnlyOnce(true);
        // While the trial runs, nobody else gets through, however long it takes.
        clock.advance(OPEN.toMillis() * 10);
        assertThat(breaker.allowRequest()).isFalse();
        assertThat(breaker.isOpen()).isTrue();
    }

    @Test
    void successfulTrial_closesTheBreaker_andItTakesThresholdNewFailuresToOpenAgain() {
        open();
        clock.set(openedAt + OPEN.toMillis() + 1);
        assertThat(breaker.allowRequest()).isTrue();
        breaker.recordSuccess();

        assertThat(breaker.isOpen()).isFalse();
        for (int i = 0; i < 5; i++) {
            assertThat(breaker.allowRequest()).isTrue();
        }
        breaker.recordFailure();
        breaker.recordFailure();
        assertThat(breaker.allowRequest()).isTrue();
        breaker.recordFailure();
        assertThat(breaker.allowRequest()).isFalse();
    }

    @Test
    void failedTrial_reopensForAFullOpenPeriodFromTheFailure_thenAllowsOneTrialAgain() {
        open();
        clock.set(openedAt + OPEN.toMillis() + 500);
        assertThat(breaker.allowRequest()).isTrue();
        clock.advance(30);
        long trialFailedAt = clock.millis();
        breaker.recordFailure();

        assertThat(breaker.isOpen()).isTrue();
        assertThat(breaker.allowRequest()).isFalse();
        clock.set(trialFailedAt + OPEN.toMillis());
        assertThat(breaker.allowRequest()).isFalse();

        clock.set(trialFailedAt + OPEN.toMillis() + 1);
        assertThat(breaker.allowRequest()).isTrue();
        assertThat(breaker.allowRequest()).isFalse();
        breaker.recordSuccess();
        assertThat(breaker.isOpen()).isFalse();
        assertThat(breaker.allowRequest()).isTrue();
    }

    private long openedAt;

    private void open() {
        for (int i = 0; i < THRESHOLD; i++) {
            assertThat(breaker.allowRequest()).isTrue();
            breaker.recordFailure();
        }
        openedAt = clock.millis();
        assertThat(breaker.isOpen()).isTrue();
    }

    /** A clock that stands still until the test moves it. */
    static final class MutableClock extends Clock {
        private final AtomicLong millis;

        MutableClock(long startMillis) {
            this.millis = new AtomicLong(startMillis);
        }

        void set(long value) {
            millis.set(value);
        }

        void advance(long delta) {
            millis.addAndGet(delta);
        }

        @Override
        public long millis() {
            return millis.get();
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis.get());
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
