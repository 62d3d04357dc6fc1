package org.openwallet.platform.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.openwallet.Eventually;
import org.openwallet.devstack.EmbeddedRedis;
import org.openwallet.platform.CircuitBreaker;
import org.openwallet.platform.config.WalletProperties;

/**
 * The Redis gateway against a real Redis that is killed and, after a long outage, started again on
 * the same port: the wallet uses it again within about one open period of the circuit breaker,
 * not when the client library's reconnect back-off (which grows to 30 s) happens to try again.
 */
// Runs beside the Spring classes (junit-platform.properties): it starts servers of its own and mostly waits on them.
@Execution(ExecutionMode.CONCURRENT)
class RedisReconnectTest {
    /** Long enough for Lettuce's back-off between reconnect attempts to have grown to its 30 s maximum. */
    private static final Duration OUTAGE = Duration.ofSeconds(36);

    private static final Duration OPEN = Duration.ofSeconds(2);
    /** One open period plus a connect, with a wide margin for a loaded machine; far below the 30 s back-off. */
    private static final Duration RECOVERY_BOUND = Duration.ofSeconds(10);

    @TempDir
    Path directory;

    @Test
    void redisKilled_thenBackAfterALongOutage_isUsedAgainWithinAboutOneOpenPeriod() throws Exception {
        WalletProperties.RedisSettings settings = new WalletProperties.RedisSettings(
                null, null, true, Duration.ofMillis(50), Duration.ofMillis(200), 5, OPEN);
        EmbeddedRedis first = EmbeddedRedis.start(directory);
        int port = first.port();
        EmbeddedRedis second = null;
        try (Redis redis = RedisConfiguration.standalone(
                first.uri(),
                settings,
                new CircuitBreaker(
                        "redis", settings.breakerFailureThreshold(), settings.breakerOpenDuration(), Clock.systemUTC()),
                new SimpleMeterRegistry())) {
            // Awaited, not asserted at once: the first call, on a loaded machine, may miss the 50 ms timeout.
            await("a ping with Redis up").atMost(Duration.ofSeconds(10)).until(() -> pings(redis));

            // SIGKILL, as an operator's kill -9 or the OOM killer would.
            ProcessHandle server = ProcessHandle.of(first.pid()).orElseThrow();
            server.destroyForcibly();
            server.onExit().get(10, TimeUnit.SECONDS);
            first.close();
            // Callers keep asking (and falling back) all through the outage, as requests would.
            long outageEnds = System.nanoTime() + OUTAGE.toNanos();
            while (System.nanoTime() < outageEnds) {
                assertThat(pings(redis)).as("a ping with Redis dead").isFalse();
                Eventually.pause(Duration.ofMillis(50));
            }

            second = EmbeddedRedis.start(directory, port);
            long back = System.nanoTime();
            await("the gateway reaches the restarted Redis")
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> pings(redis));
            Duration recovery = Duration.ofNanos(System.nanoTime() - back);
            System.out.printf("RedisReconnectTest: Redis used again %d ms after it came back%n", recovery.toMillis());
            assertThat(recovery).isLessThan(RECOVERY_BOUND);
        } finally {
            if (second != null) {
                second.close();
            }
        }
    }

    private static boolean pings(Redis redis) {
        try {
            String pong = redis.call(commands -> commands.ping());
            return "PONG".equals(pong);
        } catch (RedisUnavailableException unavailable) {
            return false;
        }
    }
}
