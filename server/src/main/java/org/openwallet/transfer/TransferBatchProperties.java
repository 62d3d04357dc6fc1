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
 */
@ConfigurationProperties("wallet.transfers.batch")
record TransferBatchProperties(@DefaultValue("256") int maxSize, @DefaultValue("1ms") Duration maxWait, @DefaultValue("4") int workers) {
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
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(TransferBatchProperties.class)
    static class Enable {
    }
}
