package org.openwallet.outbox;

import org.openwallet.platform.config.WalletProperties;
import org.openwallet.platform.database.DatabaseEndpoint;
import org.openwallet.platform.kafka.KafkaCluster;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;

@Configuration(proxyBeanMethods = false)
class OutboxConfiguration {

    /** Only in processes with the relay role: the others have no Kafka cluster to stream to. */
    @Bean
    OutboxRelay outboxRelay(
            RelaySettings settings,
            DatabaseEndpoint database,
            ObjectProvider<KafkaCluster> kafka,
            JdbcClient jdbc,
            WalletProperties properties) {
        KafkaCluster cluster = kafka.getIfAvailable();
        return cluster == null || !properties.runs("relay")
                ? null
                : new OutboxRelay(settings, database, cluster, jdbc, properties);
    }
}
