package org.openwallet.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Reading a timer's histogram from a Prometheus scrape, and its percentiles between two scrapes. */
class TimerBucketsTest {
    private static final String NAME = "wallet_feed_lag_seconds";

    private static String scrape(long at1ms, long at2ms, long at4ms, long total, double max) {
        return """
                # HELP wallet_feed_lag_seconds From a payment's ledger commit to its rows being readable in the feed
                # TYPE wallet_feed_lag_seconds histogram
                wallet_feed_lag_seconds_bucket{application="wallet",le="0.001"} %d
                wallet_feed_lag_seconds_bucket{application="wallet",le="0.002"} %d
                wallet_feed_lag_seconds_bucket{application="wallet",le="0.004"} %d
                wallet_feed_lag_seconds_bucket{application="wallet",le="+Inf"} %d
                wallet_feed_lag_seconds_count{application="wallet"} %d
                wallet_feed_lag_seconds_sum{application="wallet"} 1.5
                wallet_feed_lag_seconds_max{application="wallet"} %s
                wallet_feed_lag_other_seconds_bucket{le="0.001"} 999
                """.formatted(at1ms, at2ms, at4ms, total, total, max);
    }

    @Test
    void parse_readsTheCumulativeBuckets_ofThatTimerOnly() {
        TimerBuckets buckets = TimerBuckets.parse(scrape(1, 3, 4, 4, 0.0035), NAME);

        assertThat(buckets.upperBoundsSeconds()).containsExactly(0.001, 0.002, 0.004, Double.POSITIVE_INFINITY);
        assertThat(buckets.cumulativeCounts()).containsExactly(1, 3, 4, 4);
        assertThat(buckets.count()).isEqualTo(4);
        assertThat(buckets.maxSeconds()).isEqualTo(0.0035);
    }

    @Test
    void minus_keepsWhatWasRecordedBetweenTwoScrapes_andPercentilesInterpolateInsideABucket() {
        TimerBuckets before = TimerBuckets.parse(scrape(10, 10, 10, 10, 0.0009), NAME);
        // Since then: 4 values between 1 and 2 ms, 4 between 2 and 4 ms.
        TimerBuckets between =
                TimerBuckets.parse(scrape(10, 14, 18, 18, 0.0031), NAME).minus(before);

        assertThat(between.count()).isEqualTo(8);
        assertThat(between.percentileMillis(0.50)).isCloseTo(2.0, within(1e-9));
        assertThat(between.percentileMillis(0.25)).isCloseTo(1.5, within(1e-9));
        assertThat(between.percentileMillis(0.99)).isCloseTo(4.0, within(1e-9));
        // The recent maximum lies inside the highest bucket that holds values: it is the better figure.
        assertThat(between.maxMillis()).isCloseTo(3.1, within(1e-9));
    }

    @Test
    void maxMillis_isTheHighestBucketsBound_whenTheRecentMaximumIsOlderAndLarger() {
        TimerBuckets before = TimerBuckets.parse(scrape(0, 0, 0, 0, 0), NAME);
        TimerBuckets between = TimerBuckets.parse(scrape(2, 2, 2, 2, 9.0), NAME).minus(before);

        assertThat(between.maxMillis()).isCloseTo(1.0, within(1e-9));
    }

    @Test
    void aPercentileInTheInfiniteBucket_isTheMaximum_andNothingRecorded_isNaN() {
        TimerBuckets before = TimerBuckets.parse(scrape(0, 0, 0, 0, 0), NAME);

        assertThat(TimerBuckets.parse(scrape(0, 0, 0, 1, 7.5), NAME)
                        .minus(before)
                        .percentileMillis(0.5))
                .isEqualTo(7500.0);
        assertThat(TimerBuckets.parse(scrape(0, 0, 0, 0, 0), NAME).minus(before).percentileMillis(0.5))
                .isNaN();
    }

    @Test
    void parse_withoutTheTimer_isRefused() {
        assertThatThrownBy(() -> TimerBuckets.parse("# nothing here\n", NAME)).hasMessageContaining(NAME);
    }

    @Test
    void boundaries_areIncreasingMicroseconds_fivePercentApart_fromHalfAMillisecondToTwoMinutes() {
        String[] bounds = TimerBuckets.boundariesMicros().split(",");

        assertThat(bounds[0]).isEqualTo("500us");
        long previous = 0;
        for (String bound : bounds) {
            long micros = Long.parseLong(bound.substring(0, bound.length() - 2));
            assertThat(micros).isGreaterThan(previous);
            assertThat(micros).isLessThanOrEqualTo(TimerBuckets.LARGEST_BOUND_MICROS);
            previous = micros;
        }
        assertThat(previous).isGreaterThan(TimerBuckets.LARGEST_BOUND_MICROS * 100 / 106);
    }
}
