package org.openwallet;

import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * The suite's defaults for Awaitility, set once per test run (registered in
 * {@code META-INF/services}): a condition that something in the background makes true (a consumer,
 * a relay, the bank) gets {@link #LIMIT} unless its test promises a bound of its own, polled every
 * 100 ms from the first moment, in the test's own thread (so a condition may use what is bound to
 * it). {@link #pause} is for the tests that must let time pass, not wait for a condition.
 */
public final class Eventually implements LauncherSessionListener {
    public static final Duration LIMIT = Duration.ofSeconds(60);

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        Awaitility.setDefaultTimeout(LIMIT);
        Awaitility.setDefaultPollInterval(Duration.ofMillis(100));
        Awaitility.setDefaultPollDelay(Duration.ZERO);
        Awaitility.pollInSameThread();
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
