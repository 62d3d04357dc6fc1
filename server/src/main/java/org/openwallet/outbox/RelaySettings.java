package org.openwallet.outbox;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.unit.DataSize;

/**
 * The relay's settings ({@code wallet.outbox.*}).
 *
 * @param pollInterval   how often Debezium hands over what it read from the WAL: the floor of the
 *                       commit-to-Kafka latency (Debezium's default of 500 ms gives ~0.7 s)
 * @param aggregateTypes the aggregate types whose topics are created up front
 * @param retention      how long relayed outbox rows are kept before the pruner removes them
 * @param degradedSlotLag the WAL the outbox's replication slot may hold before health turns
 *                       DEGRADED: far below {@code wallet.database.max-slot-wal-keep-size}, so an
 *                       operator hears of a relay that is down long before PostgreSQL gives up
 *                       its slot
 */
@ConfigurationProperties("wallet.outbox")
record RelaySettings(
        @DefaultValue("wallet_outbox") String slotName,
        @DefaultValue("wallet_outbox") String publicationName,
        @DefaultValue("10ms") Duration pollInterval,
        @DefaultValue("2048") int maxBatchSize,
        @DefaultValue("8192") int maxQueueSize,
        @DefaultValue("1s") Duration offsetFlushInterval,
        @DefaultValue("10s") Duration heartbeatInterval,
        @DefaultValue("1s") Duration leadershipRetry,

        @DefaultValue({"transfer", "user", "friendship", "funding"})
        List<String> aggregateTypes,

        @DefaultValue("1h") Duration retention,
        @DefaultValue("1GB") DataSize degradedSlotLag) {

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(RelaySettings.class)
    static class Enable {}
}
