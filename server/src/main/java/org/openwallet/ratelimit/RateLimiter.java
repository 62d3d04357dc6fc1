package org.openwallet.ratelimit;

import io.lettuce.core.ScriptOutputType;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.openwallet.platform.redis.Redis;
import org.openwallet.platform.redis.RedisUnavailableException;
import org.springframework.stereotype.Component;

/**
 * Token buckets in Redis. A bucket holds up to {@code capacity} tokens and refills completely in
 * {@code period}; the state is two numbers in a hash that expires once the bucket would be full
 * again. The script reads Redis's own clock, so API nodes with skewed clocks agree.
 *
 * <p>When Redis cannot be asked (down, slow past its timeout, or its circuit breaker open), the
 * same bucket is kept in this node's memory instead ({@link LocalBuckets}): every limit still holds,
 * per node, and nothing fails because the cache did. Once Redis answers again its buckets decide.
 */
@Component
public class RateLimiter {
    /** A named limit: at most {@code capacity} events per {@code period}, refilled continuously. */
    public record Limit(String name, int capacity, Duration period) {
        public Limit {
            if (capacity < 1 || period.isNegative() || period.isZero()) {
                throw new IllegalArgumentException("rate limit " + name + " needs a positive capacity and period");
            }
        }
    }

    /** The state of one bucket after a call. */
    public record Outcome(Limit limit, boolean allowed, long remaining, long resetSeconds, long retryAfterSeconds) {}

    private static final Redis.Script BUCKET = Redis.Script.of("""
            local capacity = tonumber(ARGV[1])
            local period = tonumber(ARGV[2])
            local required = tonumber(ARGV[3])
            local take = tonumber(ARGV[4])
            local time = redis.call('TIME')
            local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
            local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
            local tokens = tonumber(state[1]) or capacity
            local at = tonumber(state[2]) or now
            tokens = math.min(capacity, tokens + math.max(0, now - at) * capacity / period)
            local allowed = 0
            if tokens >= required then
              allowed = 1
              tokens = math.max(0, tokens - take)
            end
            redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
            local untilFull = math.ceil((capacity - tokens) * period / capacity)
            redis.call('PEXPIRE', KEYS[1], math.max(1, untilFull))
            local untilOne = 0
            if tokens < 1 then
              untilOne = math.ceil((1 - tokens) * period / capacity)
            end
            return {allowed, math.floor(tokens), untilFull, untilOne}
            """);

    private final Redis redis;
    private final LocalBuckets local;
    private final MeterRegistry meters;

    RateLimiter(Redis redis, RateLimitProperties properties, Clock clock, MeterRegistry meters) {
        this.redis = redis;
        this.local = new LocalBuckets(properties.localMaxBuckets(), clock::millis);
        this.meters = meters;
    }

    /** Takes one token if there is one. */
    public Outcome consume(Limit limit, String subject) {
        return run(limit, subject, 1, 1);
    }

    /** Whether a token is there, without taking it (for limits that count only failures). */
    public Outcome peek(Limit limit, String subject) {
        return run(limit, subject, 1, 0);
    }

    /** Takes a token whether or not one is left: records a failure after the fact. */
    public Outcome penalize(Limit limit, String subject) {
        return run(limit, subject, 0, 1);
    }

    private Outcome run(Limit limit, String subject, int required, int take) {
        List<Long> reply;
        try {
            reply = redis.eval(
                    BUCKET,
                    ScriptOutputType.MULTI,
                    new String[] {"rl:{" + subject + "}:" + limit.name()},
                    Integer.toString(limit.capacity()),
                    Long.toString(limit.period().toMillis()),
                    Integer.toString(required),
                    Integer.toString(take));
        } catch (RedisUnavailableException unavailable) {
            // Counted per limit, so an operator sees which limits are per node right now.
            meters.counter("wallet.ratelimit.local", "limit", limit.name()).increment();
            return local.run(limit, subject, required, take);
        }
        return new Outcome(
                limit, reply.get(0) == 1, reply.get(1), ceilSeconds(reply.get(2)), ceilSeconds(reply.get(3)));
    }

    static long ceilSeconds(long millis) {
        return (millis + 999) / 1000;
    }
}
