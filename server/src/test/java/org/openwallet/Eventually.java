package org.openwallet;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Polls a condition that something in the background makes true: a consumer, a relay, the bank. */
public final class Eventually {
    public static final Duration LIMIT = Duration.ofSeconds(60);
    private static final Duration POLL = Duration.ofMillis(100);

    private Eventually() {
    }

    /** Returns once {@code condition} holds; fails naming {@code what} after {@link #LIMIT}. */
    public static void await(String what, BooleanSupplier condition) {
        await(what, LIMIT, condition);
    }

    /** Returns once {@code condition} holds; fails naming {@code what} after {@code limit}, for a promise of "within {@code limit}". */
    public static void await(String what, Duration limit, BooleanSupplier condition) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + limit + ": " + what);
            }
            pause(POLL);
        }
    }

    /** Sleeps; an interrupt fails the test instead of being swallowed. */
    public static void pause(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(interrupted);
        }
    }
}
