package org.openwallet.feed;

import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.context.annotation.Configuration;

/**
 * Feed settings.
 *
 * @param cursorKeyFile   the secret that signs page cursors; all API nodes must share it. Without
 *                        it, {@code <data dir>/keys/feed-cursor.key} is created on first start
 * @param backfillItems   how many recent payments of each new friend are copied into the other's
 *                        feed when a friendship starts
 * @param maxWritesInFlight how many Cassandra writes the consumer keeps in flight while fanning out
 * @param parallelism     how many Kafka keys (senders, friend pairs) one consumer applies at once
 */
@ConfigurationProperties("wallet.feed")
record FeedProperties(
        Path cursorKeyFile,
        @DefaultValue("20") int backfillItems,
        @DefaultValue("512") int maxWritesInFlight,
        @DefaultValue("32") int parallelism) {
    FeedProperties {
        if (backfillItems < 0 || maxWritesInFlight < 1 || parallelism < 1) {
            throw new IllegalArgumentException(
                    "wallet.feed.backfill-items must be >= 0, wallet.feed.max-writes-in-flight and "
                            + "wallet.feed.parallelism >= 1");
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(FeedProperties.class)
    static class Enable {}
}
