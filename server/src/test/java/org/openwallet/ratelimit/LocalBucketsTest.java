package org.openwallet.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.openwallet.Race;
import org.openwallet.ratelimit.RateLimiter.Limit;
import org.openwallet.ratelimit.RateLimiter.Outcome;

/** This node's token buckets, used while Redis cannot be asked: the Lua script's arithmetic, bounded in size. */
class LocalBucketsTest {
    private final AtomicLong nowMillis = new AtomicLong(1_000_000);
    private final Limit tenPerMinute = new Limit("test", 10, Duration.ofMinutes(1));

    @Test
    void aBucketGivesItsCapacity_thenRefusesWithRetryAfter_andRefillsOverThePeriod() {
        LocalBuckets buckets = new LocalBuckets(100, nowMillis::get);
        for (int i = 1; i <= 10; i++) {
            Outcome taken = buckets.run(tenPerMinute, "ip", 1, 1);
            assertThat(taken.allowed()).as("request %d", i).isTrue();
            assertThat(taken.remaining()).isEqualTo(10 - i);
        }
        Outcome refused = buckets.run(tenPerMinute, "ip", 1, 1);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.remaining()).isZero();
        assertThat(refused.retryAfterSeconds()).isEqualTo(6);
        assertThat(refused.resetSeconds()).isEqualTo(60);
        assertThat(buckets.run(tenPerMinute, "another ip", 1, 1).allowed())
                .as("another subject's bucket")
                .isTrue();

        nowMillis.addAndGet(6_000);
        assertThat(buckets.run(tenPerMinute, "ip", 1, 1).allowed())
                .as("one token back after 6 s")
                .isTrue();
        assertThat(buckets.run(tenPerMinute, "ip", 1, 1).allowed()).isFalse();
    }

    @Test
    void peekTakesNothing_andPenalizeTakesEvenFromAnEmptyBucket() {
        LocalBuckets buckets = new LocalBuckets(100, nowMillis::get);
        for (int i = 0; i < 5; i++) {
            assertThat(buckets.run(tenPerMinute, "handle", 1, 0).remaining()).isEqualTo(10);
        }
        for (int i = 0; i < 12; i++) {
            buckets.run(tenPerMinute, "handle", 0, 1);
        }
        Outcome peeked = buckets.run(tenPerMinute, "handle", 1, 0);
        assertThat(peeked.allowed()).isFalse();
        assertThat(peeked.remaining()).isZero();
    }

    @Test
    void atMostMaxBucketsAreKept_theLeastRecentlyUsedIsForgottenFirst() {
        LocalBuckets buckets = new LocalBuckets(3, nowMillis::get);
        for (int i = 0; i < 10; i++) {
            buckets.run(tenPerMinute, "attacker", 1, 1);
        }
        buckets.run(tenPerMinute, "a", 1, 1);
        buckets.run(tenPerMinute, "b", 1, 1);
        // The attacker's bucket is used again, so "a" is now the least recently used.
        assertThat(buckets.run(tenPerMinute, "attacker", 1, 1).allowed()).isFalse();
        buckets.run(tenPerMinute, "c", 1, 1);

        assertThat(buckets.size()).isEqualTo(3);
        assertThat(buckets.run(tenPerMinute, "attacker", 1, 1).allowed())
                .as("the hot bucket is kept")
                .isFalse();
        assertThat(buckets.run(tenPerMinute, "a", 1, 0).remaining())
                .as("the forgotten bucket starts full")
                .isEqualTo(10);
    }

    @Test
    void aHugeSubject_isKeptByItsHash_andStillLimited() {
        LocalBuckets buckets = new LocalBuckets(100, nowMillis::get);
        String huge = "x".repeat(1_000_000);
        for (int i = 0; i < 10; i++) {
            assertThat(buckets.run(tenPerMinute, huge, 1, 1).allowed()).isTrue();
        }
        assertThat(buckets.run(tenPerMinute, huge, 1, 1).allowed()).isFalse();
        assertThat(buckets.run(tenPerMinute, "x".repeat(999_999) + "y", 1, 1).allowed())
                .as("a different huge subject")
                .isTrue();
    }

    @Test
    void concurrentRequests_getExactlyTheCapacity() throws Exception {
        LocalBuckets buckets = new LocalBuckets(100, nowMillis::get);
        Limit fifty = new Limit("fifty", 50, Duration.ofHours(1));
        List<Outcome> outcomes = new ArrayList<>();
        for (List<Outcome> racer : Race.run(16, racer -> () -> {
            List<Outcome> mine = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                mine.add(buckets.run(fifty, "shared", 1, 1));
            }
            return mine;
        })) {
            outcomes.addAll(racer);
        }
        assertThat(outcomes).filteredOn(Outcome::allowed).hasSize(50);
    }
}
