package org.openwallet.platform.kafka;

import org.openwallet.platform.config.WalletProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Kafka: the brokers at {@code wallet.kafka.bootstrap-servers}. With none configured, the development
 * stack (the {@code devstack} module) starts an embedded broker and sets the address.
 */
@Configuration(proxyBeanMethods = false)
class KafkaConfiguration {

    @Bean
    KafkaCluster kafkaCluster(WalletProperties properties) {
        if (!needsKafka(properties)) {
            return null;
        }
        WalletProperties.KafkaSettings kafka = properties.kafka();
        if (!kafka.external()) {
            throw new IllegalStateException(
                    "wallet.kafka.bootstrap-servers (WALLET_KAFKA_BOOTSTRAP_SERVERS) is not set, and there is no"
                            + " development stack on the classpath to start an embedded broker: set it, or start the wallet with ./wallet run");
        }
        return new KafkaCluster(
                kafka.bootstrapServers(), kafka.partitions(), kafka.replicationFactor(), kafka.minInsyncReplicas());
    }

    /** Every role talks to Kafka: the API publishes the bank's webhooks to it (its own events go through the outbox). */
    private static boolean needsKafka(WalletProperties properties) {
        return properties.runs("api")
                || properties.runs("relay")
                || properties.runs("consumers")
                || properties.runs("feed");
    }
}
