package org.openwallet.platform.kafka;

import java.io.IOException;
import org.openwallet.platform.EmbeddedKafka;
import org.openwallet.platform.config.WalletProperties;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.DependsOn;

/** Kafka: external brokers when {@code wallet.kafka.bootstrap-servers} is set, otherwise an embedded broker. */
@Configuration(proxyBeanMethods = false)
class KafkaConfiguration {

    @Bean(destroyMethod = "close")
    EmbeddedKafka embeddedKafka(WalletProperties properties) throws IOException {
        if (properties.kafka().external() || !needsKafka(properties)) {
            return null;
        }
        return EmbeddedKafka.start(
                properties.dataDir().toAbsolutePath().resolve("kafka"),
                properties.kafka().partitions());
    }

    @Bean
    @DependsOn("embeddedKafka")
    KafkaCluster kafkaCluster(WalletProperties properties, ObjectProvider<EmbeddedKafka> embedded) {
        if (!needsKafka(properties)) {
            return null;
        }
        WalletProperties.KafkaSettings kafka = properties.kafka();
        String bootstrap = kafka.external()
                ? kafka.bootstrapServers()
                : embedded.getObject().bootstrapServers();
        return new KafkaCluster(bootstrap, kafka.partitions(), kafka.replicationFactor(), kafka.minInsyncReplicas());
    }

    /** Every role talks to Kafka: the API publishes the bank's webhooks to it (its own events go through the outbox). */
    private static boolean needsKafka(WalletProperties properties) {
        return properties.runs("api")
                || properties.runs("relay")
                || properties.runs("consumers")
                || properties.runs("feed");
    }
}
