package org.openwallet.feed;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.springframework.stereotype.Component;

/**
 * How long a payment takes to reach the feed: from its ledger commit (the transfer's
 * {@code created_at}, taken inside the committing transaction) until all its rows are written and
 * readable. A Micrometer timer ({@code wallet.feed.lag}) for monitoring, and an exact histogram
 * that a benchmark can take intervals of.
 */
@Component
public class FeedLag {
    private final Timer timer;
    private final Recorder recorder = new Recorder(3);

    FeedLag(MeterRegistry meters) {
        this.timer = Timer.builder("wallet.feed.lag").description("From a payment's ledger commit to its rows being readable in the feed")
                .publishPercentiles(0.5, 0.99).register(meters);
    }

    void record(Duration lag) {
        timer.record(lag);
        recorder.recordValue(Math.max(0, lag.toNanos() / 1_000));
    }

    /** The lags recorded since the previous call, in microseconds. */
    public Histogram takeInterval() {
        return recorder.getIntervalHistogram();
    }
}
