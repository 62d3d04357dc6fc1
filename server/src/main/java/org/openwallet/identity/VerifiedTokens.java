package org.openwallet.identity;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Tokens that passed verification, with what they say. An ECDSA verification costs about a third
 * of the CPU of a whole payment, and a client sends the same token with every request until it
 * expires. At most {@code maximumSize} tokens are remembered, and none past its own expiry, so a
 * flood of distinct tokens costs memory only until they expire or are pushed out.
 */
final class VerifiedTokens {
    record Verified(AuthenticatedUser user, Instant expires) {}

    private final Cache<String, Verified> verified;

    VerifiedTokens(int maximumSize, Clock clock, Ticker ticker) {
        this.verified = Caffeine.newBuilder()
                .maximumSize(maximumSize)
                // The entry lives as long as the token has left when it is first verified, never longer.
                .expireAfter(Expiry.<String, Verified>creating((token, known) -> {
                    Duration left = Duration.between(clock.instant(), known.expires());
                    return left.isNegative() ? Duration.ZERO : left;
                }))
                .ticker(ticker)
                // Evict on the caller's thread: the work is a few pointer moves, and it keeps the
                // bound exact at every moment instead of after a task on the common pool has run.
                .executor(Runnable::run)
                .build();
    }

    /** What this token was verified to say, or null if it is not remembered. */
    Verified get(String token) {
        return verified.getIfPresent(token);
    }

    void remember(String token, Verified known) {
        verified.put(token, known);
    }

    void forget(String token) {
        verified.invalidate(token);
    }

    long size() {
        verified.cleanUp();
        return verified.estimatedSize();
    }
}
