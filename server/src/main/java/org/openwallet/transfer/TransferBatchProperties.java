package org.openwallet.transfer;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.context.annotation.Configuration;

/**
 * Group commit of payments ({@link TransferBatches}).
 *
 * @param maxSize  the most payments one database transaction carries; 1 commits each on its own
 * @param maxWait  how long a batch that is not full waits for more payments after its first
 * @param workers  how many batches run at once, each on its own database connection
 * @param queueCapacity how many payments may wait for a batch; one more is answered 503 at once. The
 *                      default is about what four workers commit in well under a second, so a payment
 *                      let into the queue can expect to be done within its answer timeout
 * @param answerTimeout how long a payment's caller waits for its batch before it is answered 503. It
 *                      matches the database pool's own wait (5 s) and stays below the usual client
 *                      timeouts, so a client gets a clean answer to retry on instead of a dropped
 *                      connection
 */
@ConfigurationProperties("wallet.transfers.batch")
record TransferBatchProperties(
        @DefaultValue("256") int maxSize,
        @DefaultValue("1ms") Duration maxWait,
        @DefaultValue("4") int workers,
        @DefaultValue("4096") int queueCapacity,
        @DefaultValue("5s") Duration answerTimeout) {
    TransferBatchProperties {
        if (maxSize < 1 || maxSize > 10_000) {
            throw new IllegalArgumentException("wallet.transfers.batch.max-size must be between 1 and 10000");
        }
        if (maxWait.isNegative() || maxWait.compareTo(Duration.ofSeconds(1)) > 0) {
            throw new IllegalArgumentException("wallet.transfers.batch.max-wait must be between 0 and 1s");
        }
        if (workers < 1) {
            throw new IllegalArgumentException("wallet.transfers.batch.workers must be at least 1");
        }
        if (queueCapacity < 1 || queueCapacity > 1_000_000) {
            throw new IllegalArgumentException("wallet.transfers.batch.queue-capacity must be between 1 and 1000000");
        }
        if (answerTimeout.compareTo(Duration.ofMillis(1)) < 0 || answerTimeout.compareTo(Duration.ofMinutes(5)) > 0) {
            throw new IllegalArgumentException("wallet.transfers.batch.answer-timeout must be between 1ms and 5m");
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(TransferBatchProperties.class)
    static class Enable {}
}
