package org.openwallet.ratelimit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import org.openwallet.ratelimit.RateLimiter.Limit;
import org.openwallet.ratelimit.RateLimiter.Outcome;

/**
 * The same token buckets as {@link RateLimiter}'s Lua script, in this node's memory, for while
 * Redis cannot be asked: a cache outage must not become a sign-in outage, and failing open would
 * allow unlimited password guessing. Two consequences are accepted and documented:
 *
 * <ul>
 *   <li>The buckets are per node: on N API nodes a client spread over all of them gets up to N
 *       times each limit while Redis is down.</li>
 *   <li>At most {@code maxBuckets} buckets are kept; the least recently used is forgotten first
 *       (it starts full again if it comes back). An attacker hammering one handle keeps its bucket
 *       the most recently used, so forgetting it would take {@code maxBuckets} other subjects in
 *       between, each of which costs the attacker a token of its own.</li>
 * </ul>
 *
 * <p>The state does not move to Redis when Redis answers again, nor back: each holds what it saw.
 */
final class LocalBuckets {
    /** A subject longer than this is kept by its SHA-256, so a huge handle cannot make a huge key. */
    static final int MAX_SUBJECT_LENGTH = 128;

    private static final class Bucket {
        double tokens;
        long atMillis;

        Bucket(double tokens, long atMillis) {
            this.tokens = tokens;
            this.atMillis = atMillis;
        }
    }

    private final LongSupplier millis;
    private final Map<String, Bucket> buckets;

    LocalBuckets(int maxBuckets, LongSupplier millis) {
        if (maxBuckets < 1) {
            throw new IllegalArgumentException("wallet.rate-limits.local-max-buckets must be positive");
        }
        this.millis = millis;
        // Access order: get and put move an entry to the end; the eldest is the least recently used.
        this.buckets = new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Bucket> eldest) {
                return size() > maxBuckets;
            }
        };
    }

    /**
     * One step of the bucket of {@code limit} and {@code subject}, as the Lua script does it: refill
     * for the time passed, then take {@code take} tokens if {@code required} are there.
     */
    Outcome run(Limit limit, String subject, int required, int take) {
        double capacity = limit.capacity();
        long periodMillis = limit.period().toMillis();
        String key = limit.name() + "\n" + bounded(subject);
        double tokens;
        boolean allowed;
        // One lock for the whole map: this path only runs while Redis is down, and each step is a
        // few arithmetic operations, far cheaper than the request it guards.
        synchronized (buckets) {
            long now = millis.getAsLong();
            Bucket bucket = buckets.get(key);
            if (bucket == null) {
                bucket = new Bucket(capacity, now);
                buckets.put(key, bucket);
            }
            tokens = Math.min(capacity, bucket.tokens + Math.max(0, now - bucket.atMillis) * capacity / periodMillis);
            allowed = tokens >= required;
            if (allowed) {
                tokens = Math.max(0, tokens - take);
            }
            bucket.tokens = tokens;
            bucket.atMillis = now;
        }
        long untilFullMillis = (long) Math.ceil((capacity - tokens) * periodMillis / capacity);
        long untilOneMillis = tokens < 1 ? (long) Math.ceil((1 - tokens) * periodMillis / capacity) : 0;
        return new Outcome(
                limit,
                allowed,
                (long) Math.floor(tokens),
                RateLimiter.ceilSeconds(untilFullMillis),
                RateLimiter.ceilSeconds(untilOneMillis));
    }

    int size() {
        synchronized (buckets) {
            return buckets.size();
        }
    }

    private static String bounded(String subject) {
        if (subject.length() <= MAX_SUBJECT_LENGTH) {
            return subject;
        }
        try {
            return "sha256:"
                    + HexFormat.of()
                            .formatHex(MessageDigest.getInstance("SHA-256")
                                    .digest(subject.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException impossible) {
            throw new IllegalStateException(impossible);
        }
    }
}
