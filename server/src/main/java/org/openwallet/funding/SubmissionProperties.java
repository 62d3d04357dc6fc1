package org.openwallet.funding;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.context.annotation.Configuration;

/**
 * How the wallet follows a request through the bank: sending it, and asking about it when its
 * outcome is late.
 *
 * @param backoffInitial    the wait after a request's first failed submission; it doubles after each further one
 * @param backoffMax        the longest wait between two submissions of one request
 * @param maxFailures       after this many submissions that threw (not: the bank did not answer), the request fails
 *                          and its hold is released
 * @param sweepBatch        the most requests one sweep sends
 * @param overdueAfter      a request accepted by the bank this long ago without an outcome is asked about
 *                          (ACH settles in 1 to 3 business days, at most 5 calendar days; the default asks before
 *                          reconciliation would report it stuck after {@code wallet.funding.stuck-after})
 * @param statusQueryEvery  how often one overdue request is asked about again while the bank says it is in flight
 * @param statusQueryBatch  the most requests one round of status queries asks about
 */
@ConfigurationProperties("wallet.funding.submission")
record SubmissionProperties(
        @DefaultValue("5s") Duration backoffInitial,
        @DefaultValue("15m") Duration backoffMax,
        @DefaultValue("8") int maxFailures,
        @DefaultValue("100") int sweepBatch,
        @DefaultValue("3d") Duration overdueAfter,
        @DefaultValue("6h") Duration statusQueryEvery,
        @DefaultValue("100") int statusQueryBatch) {

    SubmissionProperties {
        if (backoffInitial.isNegative() || backoffInitial.isZero() || backoffMax.compareTo(backoffInitial) < 0) {
            throw new IllegalArgumentException(
                    "wallet.funding.submission.backoff-initial must be positive and at most backoff-max");
        }
        if (maxFailures < 1 || sweepBatch < 1 || statusQueryBatch < 1) {
            throw new IllegalArgumentException(
                    "wallet.funding.submission.max-failures, sweep-batch and status-query-batch must be at least 1");
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(SubmissionProperties.class)
    static class Enable {}
}
