package org.openwallet.identity;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class VerifiedTokensTest {
    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

    /** A wall clock and a ticker that move together, only when the test says so. */
    private final AtomicLong elapsedNanos = new AtomicLong();

    private final Ticker ticker = elapsedNanos::get;
    private final Clock clock = new Clock() {
        @Override
        public Instant instant() {
            return START.plusNanos(elapsedNanos.get());
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            throw new UnsupportedOperationException();
        }
    };

    private void advance(Duration duration) {
        elapsedNanos.addAndGet(duration.toNanos());
    }

    private static VerifiedTokens.Verified expiringAt(Instant expires) {
        return new VerifiedTokens.Verified(
                new AuthenticatedUser(UUID.randomUUID(), "alice", UUID.randomUUID()), expires);
    }

    @Test
    void verifiedToken_isForgottenWhenTheTokenExpires_notLater() {
        VerifiedTokens tokens = new VerifiedTokens(10, clock, ticker);
        VerifiedTokens.Verified known = expiringAt(START.plus(Duration.ofMinutes(15)));
        tokens.remember("short", known);
        tokens.remember("long", expiringAt(START.plus(Duration.ofHours(1))));

        advance(Duration.ofMinutes(15).minusNanos(1));
        assertThat(tokens.get("short")).isEqualTo(known);

        advance(Duration.ofNanos(1));
        assertThat(tokens.get("short")).isNull();
        assertThat(tokens.get("long")).isNotNull();
        assertThat(tokens.size()).isEqualTo(1);
    }

    @Test
    void alreadyExpiredToken_isNotKept() {
        VerifiedTokens tokens = new VerifiedTokens(10, clock, ticker);
        tokens.remember("stale", expiringAt(START.minusSeconds(1)));

        assertThat(tokens.get("stale")).isNull();
    }

    @Test
    void rememberedTokens_neverExceedTheBound_andTheCacheKeepsWorking() {
        int bound = 100;
        VerifiedTokens tokens = new VerifiedTokens(bound, clock, ticker);
        for (int i = 0; i < 10 * bound; i++) {
            tokens.remember("token-" + i, expiringAt(START.plus(Duration.ofHours(1))));
            assertThat(tokens.size()).isLessThanOrEqualTo(bound);
        }
        assertThat(tokens.size()).isEqualTo(bound);

        // Not emptied whole as the old map was: a token used again and again stays remembered.
        tokens.remember("hot", expiringAt(START.plus(Duration.ofHours(1))));
        for (int i = 0; i < 10 * bound; i++) {
            assertThat(tokens.get("hot")).isNotNull();
            tokens.remember("cold-" + i, expiringAt(START.plus(Duration.ofHours(1))));
        }
        assertThat(tokens.get("hot")).isNotNull();
        assertThat(tokens.size()).isEqualTo(bound);
    }
}
