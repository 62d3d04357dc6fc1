package org.openwallet.platform.redis;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Supplier;
import org.openwallet.platform.CircuitBreaker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The wallet's one door to Redis (a single server or a cluster). Every call is bounded by the
 * command timeout (50 ms by default) and guarded by a circuit breaker, so a dead or slow Redis
 * costs a request at most one timeout and, once the breaker is open, nothing. Failures surface as
 * {@link RedisUnavailableException}; nothing here retries, because the callers have a fallback.
 * When a trial call of the half-open breaker fails, the connection is dropped and the next trial
 * connects anew, so the wallet uses Redis again within one open period of its return.
 */
public final class Redis implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Redis.class);

    /** A Lua script, sent by its SHA-1 and loaded again when Redis has forgotten it (restart, SCRIPT FLUSH). */
    public record Script(String body, String sha) {
        public static Script of(String body) {
            try {
                byte[] digest = MessageDigest.getInstance("SHA-1").digest(body.getBytes(StandardCharsets.UTF_8));
                return new Script(body, HexFormat.of().formatHex(digest));
            } catch (NoSuchAlgorithmException impossible) {
                throw new IllegalStateException(impossible);
            }
        }
    }

    private final AbstractRedisClient client;
    private final Supplier<StatefulConnection<String, String>> connector;
    private final Function<StatefulConnection<String, String>, RedisClusterCommands<String, String>> commandsOf;
    private final CircuitBreaker breaker;
    private final Counter errors;
    private final Counter skipped;
    private final ReentrantLock connecting = new ReentrantLock();
    private volatile StatefulConnection<String, String> connection;
    private volatile RedisClusterCommands<String, String> commands;

    Redis(
            AbstractRedisClient client,
            Supplier<StatefulConnection<String, String>> connector,
            Function<StatefulConnection<String, String>, RedisClusterCommands<String, String>> commandsOf,
            CircuitBreaker breaker,
            MeterRegistry meters) {
        this.client = client;
        this.connector = connector;
        this.commandsOf = commandsOf;
        this.breaker = breaker;
        this.errors = Counter.builder("wallet.redis.errors")
                .description("Redis calls that failed or timed out")
                .register(meters);
        this.skipped = Counter.builder("wallet.redis.skipped")
                .description("Redis calls not made because the circuit breaker was open")
                .register(meters);
    }

    /** Runs {@code work} against Redis. */
    public <T> T call(Function<RedisClusterCommands<String, String>, T> work) {
        if (client == null) {
            throw new RedisUnavailableException("Redis is not configured", null);
        }
        if (!breaker.allowRequest()) {
            skipped.increment();
            throw new RedisUnavailableException("Redis circuit breaker is open", null);
        }
        boolean wasOpen = breaker.isOpen();
        try {
            T result = work.apply(commands());
            breaker.recordSuccess();
            if (wasOpen) {
                log.info("Redis answers again; circuit breaker closed");
            }
            return result;
        } catch (RedisException failure) {
            errors.increment();
            if (breaker.recordFailure()) {
                log.warn(
                        "Redis keeps failing ({}); circuit breaker open, requests fall back to PostgreSQL",
                        failure.toString());
            }
            if (wasOpen) {
                // A trial call failed: Redis has been failing for a whole open period. The next trial
                // connects anew instead of waiting for this connection to heal. Lettuce reconnects a
                // dropped connection by itself, but with a back-off that grows to 30 s, and it never
                // notices a connection whose peer vanished without a reset (commands merely time
                // out): either kept every caller on the fallback long after Redis was back.
                dropConnection();
            }
            throw new RedisUnavailableException("Redis call failed: " + failure.getMessage(), failure);
        } catch (RuntimeException | Error bug) {
            // Redis answered; the failure is ours. Count it as an answer: a trial call whose outcome
            // went unreported would leave the breaker open, waiting for it, until the wallet restarts.
            breaker.recordSuccess();
            throw bug;
        }
    }

    /** Evaluates a Lua script atomically on the node that owns {@code keys} (all in one hash slot). */
    public <T> T eval(Script script, ScriptOutputType type, String[] keys, String... arguments) {
        return call(redis -> {
            try {
                return redis.<T>evalsha(script.sha(), type, keys, arguments);
            } catch (RedisNoScriptException forgotten) {
                return redis.<T>eval(script.body(), type, keys, arguments);
            }
        });
    }

    private RedisClusterCommands<String, String> commands() {
        RedisClusterCommands<String, String> current = commands;
        if (current != null) {
            return current;
        }
        // The first connection is made lazily, so the wallet starts (and keeps paying) while Redis is down.
        connecting.lock();
        try {
            if (commands == null) {
                connection = connector.get();
                commands = commandsOf.apply(connection);
            }
            return commands;
        } finally {
            connecting.unlock();
        }
    }

    /** Forgets the connection (closing it in the background), so the next call connects again. */
    private void dropConnection() {
        StatefulConnection<String, String> dropped;
        connecting.lock();
        try {
            dropped = connection;
            connection = null;
            commands = null;
        } finally {
            connecting.unlock();
        }
        if (dropped != null) {
            // closeAsync: a caller on the request path must not wait for a dead peer.
            dropped.closeAsync();
        }
    }

    @Override
    public void close() {
        if (connection != null) {
            connection.close();
        }
        if (client != null) {
            client.shutdown();
        }
    }
}
