package org.openwallet.platform;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.openwallet.platform.config.WalletProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * A health check that runs in the background, every {@code wallet.health.interval}, on a thread
 * of its own, while {@link #health()} answers at once with the latest result.
 *
 * <p>Health must answer a load balancer in time whatever the component does: a database that is
 * down, or hung, must not make {@code /actuator/health} wait for it (it used to wait for the
 * pool's 5 s and then fail). So nothing on the request's path waits for the component; the check
 * that waits does so on its own thread, one at a time, and a check that has not answered for
 * {@code wallet.health.timeout} past its turn reads as {@code whenSilent} (DOWN for the database,
 * UNKNOWN for information that does not decide whether the node can serve). However many probes
 * arrive, the component sees one check per interval.
 */
public final class SampledHealth implements HealthIndicator, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SampledHealth.class);

    private record Sample(Health health, long finishedNanos) {}

    private final String component;
    private final Supplier<Health> check;
    private final Status whenSilent;
    private final Duration timeout;
    private final long silentAfterNanos;
    private final long createdNanos = System.nanoTime();
    private final ScheduledExecutorService scheduler;
    private volatile Sample latest;

    /**
     * @param component  what is checked, as health reasons name it ("PostgreSQL")
     * @param whenSilent the status while the check has not answered in time
     * @param check      the check; it should bound its own waits by {@code settings.timeout()}
     */
    public SampledHealth(
            String component, WalletProperties.HealthSettings settings, Status whenSilent, Supplier<Health> check) {
        this.component = component;
        this.check = check;
        this.whenSilent = whenSilent;
        this.timeout = settings.timeout();
        this.silentAfterNanos = settings.interval().plus(settings.timeout()).toNanos();
        this.scheduler = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("health-check").factory());
        scheduler.scheduleWithFixedDelay(this::sample, 0, settings.interval().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void sample() {
        Health health;
        try {
            health = check.get();
        } catch (RuntimeException failure) {
            // A check is meant to turn failures into a status itself; one that throws is a bug, told here.
            log.warn("The health check of {} failed", component, failure);
            health = Health.status(whenSilent)
                    .withDetail(HealthStatus.REASON, "the health check of " + component + " failed")
                    .withException(failure)
                    .build();
        }
        latest = new Sample(health, System.nanoTime());
    }

    @Override
    public Health health() {
        Sample sample = latest;
        long silentNanos = System.nanoTime() - (sample == null ? createdNanos : sample.finishedNanos());
        if (silentNanos > silentAfterNanos) {
            return Health.status(whenSilent)
                    .withDetail(
                            HealthStatus.REASON,
                            component + " did not answer its health check within " + timeout.toMillis() + " ms")
                    .withDetail("silentMillis", TimeUnit.NANOSECONDS.toMillis(silentNanos))
                    .build();
        }
        if (sample == null) {
            return Health.unknown()
                    .withDetail(HealthStatus.REASON, "the first health check of " + component + " is still running")
                    .build();
        }
        return sample.health();
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
