package org.openwallet.feed;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import org.springframework.stereotype.Component;

/**
 * How long a payment takes to reach the feed: from its ledger commit (the transfer's
 * {@code created_at}, taken inside the committing transaction) until all its rows are written and
 * readable. A Micrometer timer ({@code wallet.feed.lag}); {@code ./wallet bench-feed} reads it from
 * the Prometheus endpoint like any monitoring system.
 */
@Component
class FeedLag {
    private final Timer timer;

    FeedLag(MeterRegistry meters) {
        this.timer = Timer.builder("wallet.feed.lag")
                .description("From a payment's ledger commit to its rows being readable in the feed")
                .publishPercentiles(0.5, 0.99)
                .register(meters);
    }

    void record(Duration lag) {
        timer.record(lag);
    }
}
