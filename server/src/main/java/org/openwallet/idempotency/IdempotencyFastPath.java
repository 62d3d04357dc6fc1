package org.openwallet.idempotency;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import org.openwallet.idempotency.IdempotencyKeys.StoredResponse;
import org.openwallet.platform.config.WalletProperties;
import org.openwallet.platform.redis.Redis;
import org.openwallet.platform.redis.RedisUnavailableException;
import org.springframework.stereotype.Service;

/**
 * Redis in front of {@link IdempotencyKeys}: a duplicate is answered in one round trip to Redis,
 * before fraud checks or any database work.
 *
 * <p>Redis is only a cache of the truth in PostgreSQL. A request that Redis lets through still
 * claims its key in the ledger transaction, so a Redis that is down, slow, flushed or restarted
 * can cost a duplicate the cheap path, never a second payment. The one thing Redis answers alone
 * is "done" (a response stored only after its transaction committed) and "in progress" (a marker
 * that expires after {@link #PROCESSING_TTL}, so a crashed request blocks its key briefly at most).
 *
 * <p>Values: {@code P|<fingerprint>|<token>} while processing, {@code D|<fingerprint>|<status>|<body>}
 * when done. Keys carry the user id as a hash tag, so on a cluster one user's keys share a slot.
 */
@Service
public class IdempotencyFastPath {
    static final Duration PROCESSING_TTL = Duration.ofSeconds(30);

    private static final Redis.Script CLAIM = Redis.Script.of("""
            local value = redis.call('GET', KEYS[1])
            if not value then
              redis.call('SET', KEYS[1], 'P|' .. ARGV[1] .. '|' .. ARGV[2], 'PX', ARGV[3])
              return {'claimed'}
            end
            if string.sub(value, 3, 2 + string.len(ARGV[1])) ~= ARGV[1] then
              return {'reused'}
            end
            if string.sub(value, 1, 1) == 'P' then
              return {'in_progress'}
            end
            local rest = string.sub(value, 4 + string.len(ARGV[1]))
            local bar = string.find(rest, '|', 1, true)
            return {'done', string.sub(rest, 1, bar - 1), string.sub(rest, bar + 1)}
            """);
    private static final Redis.Script RELEASE = Redis.Script.of("""
            if redis.call('GET', KEYS[1]) == ARGV[1] then
              return redis.call('DEL', KEYS[1])
            end
            return 0
            """);

    private final Redis redis;
    private final Duration retention;
    private final MeterRegistry meters;

    IdempotencyFastPath(Redis redis, WalletProperties properties, MeterRegistry meters) {
        this.redis = redis;
        this.retention = properties.idempotency().retention();
        this.meters = meters;
    }

    /** What Redis says about a key. */
    public sealed interface Claim {
        /** Redis has marked the key as ours: go on to the ledger transaction, then {@link #complete} or {@link #release}. */
        record Claimed(String redisKey, String marker) implements Claim {}

        /** Redis could not be asked: go on to the ledger transaction, which decides alone. */
        record Unavailable() implements Claim {}

        record InProgress() implements Claim {}

        record Reused() implements Claim {}

        record Replay(StoredResponse response) implements Claim {}
    }

    public Claim claim(UUID userId, String operation, String key, byte[] fingerprint) {
        String redisKey = redisKey(userId, operation, key);
        String fingerprintHex = HexFormat.of().formatHex(fingerprint);
        String token = UUID.randomUUID().toString();
        try {
            List<String> reply = redis.eval(
                    CLAIM,
                    ScriptOutputType.MULTI,
                    new String[] {redisKey},
                    fingerprintHex,
                    token,
                    Long.toString(PROCESSING_TTL.toMillis()));
            Claim claim = switch (reply.get(0)) {
                case "claimed" -> new Claim.Claimed(redisKey, "P|" + fingerprintHex + "|" + token);
                case "in_progress" -> new Claim.InProgress();
                case "reused" -> new Claim.Reused();
                case "done" ->
                    new Claim.Replay(new StoredResponse(
                            Integer.parseInt(reply.get(1)), reply.get(2).getBytes(StandardCharsets.UTF_8)));
                default -> throw new IllegalStateException("unexpected reply from the claim script: " + reply);
            };
            count(claim);
            return claim;
        } catch (RedisUnavailableException unavailable) {
            Claim claim = new Claim.Unavailable();
            count(claim);
            return claim;
        }
    }

    /** Stores a committed response so the next duplicate is answered from Redis. Best effort. */
    public void complete(UUID userId, String operation, String key, byte[] fingerprint, StoredResponse response) {
        String value = "D|" + HexFormat.of().formatHex(fingerprint) + "|" + response.status() + "|"
                + new String(response.body(), StandardCharsets.UTF_8);
        try {
            redis.call(commands ->
                    commands.set(redisKey(userId, operation, key), value, SetArgs.Builder.px(retention.toMillis())));
        } catch (RedisUnavailableException unavailable) {
            // PostgreSQL holds the record; the next duplicate takes the slower path.
        }
    }

    /** Removes our processing marker after a request that ended without a response to remember. */
    public void release(Claim claim) {
        if (claim instanceof Claim.Claimed claimed) {
            try {
                redis.<Long>eval(
                        RELEASE, ScriptOutputType.INTEGER, new String[] {claimed.redisKey()}, claimed.marker());
            } catch (RedisUnavailableException unavailable) {
                // The marker expires by itself after PROCESSING_TTL.
            }
        }
    }

    static String redisKey(UUID userId, String operation, String key) {
        return "idem:{" + userId + "}:" + operation + ":" + key;
    }

    private void count(Claim claim) {
        String outcome = switch (claim) {
            case Claim.Claimed claimed -> "miss";
            case Claim.Unavailable unavailable -> "unavailable";
            case Claim.InProgress inProgress -> "in_progress";
            case Claim.Reused reused -> "reused";
            case Claim.Replay replay -> "hit";
        };
        meters.counter("wallet.idempotency.fast_path", "outcome", outcome).increment();
    }
}
