package org.openwallet.bank;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bank's idea of now: the real time plus an offset that only grows, moved by
 * {@code POST /admin/clock/advance}. Acceptance, settlement times, {@code occurred_at} and the
 * settlement report all read this clock, so a test can let "three business days" pass at once.
 * Webhook retries and the signature's {@code t} use the real time instead: they concern the network
 * and the wallet's replay window, not the bank's calendar.
 *
 * <p>Instants are whole milliseconds, so they print the same way everywhere they appear.
 */
final class SimulatedClock {
    private final InstantSource base;
    private final AtomicLong offsetMillis = new AtomicLong();
    private final List<Runnable> advanceListeners = new CopyOnWriteArrayList<>();

    SimulatedClock(InstantSource base) {
        this.base = base;
    }

    Instant instant() {
        return base.instant().truncatedTo(ChronoUnit.MILLIS).plusMillis(offsetMillis.get());
    }

    Duration offset() {
        return Duration.ofMillis(offsetMillis.get());
    }

    /** Moves the clock forward by {@code amount} (never back: nothing settled may become unsettled) and returns the new now. */
    Instant advance(Duration amount) {
        if (amount.isNegative()) {
            throw new IllegalArgumentException("The bank's clock only moves forward");
        }
        offsetMillis.addAndGet(amount.toMillis());
        advanceListeners.forEach(Runnable::run);
        return instant();
    }

    /** {@code listener} runs after every advance, so whoever sleeps until a due time wakes up and looks again. */
    void onAdvance(Runnable listener) {
        advanceListeners.add(listener);
    }
}
