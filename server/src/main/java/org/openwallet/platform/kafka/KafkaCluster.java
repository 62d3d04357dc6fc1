package org.openwallet.platform.kafka;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/** The Kafka cluster the wallet talks to, and the one way its topics are created. */
public record KafkaCluster(String bootstrapServers, int partitions, short replicationFactor, int minInsyncReplicas) {

    /** Creates the topics that do not exist yet, with the configured partitions and replication. */
    public void ensureTopics(Collection<String> topics) {
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                30_000))) {
            Set<String> existing = admin.listTopics().names().get();
            List<NewTopic> missing = new ArrayList<>();
            for (String topic : topics) {
                if (!existing.contains(topic)) {
                    missing.add(new NewTopic(topic, partitions, replicationFactor)
                            .configs(Map.of("min.insync.replicas", Integer.toString(minInsyncReplicas))));
                }
            }
            if (!missing.isEmpty()) {
                try {
                    admin.createTopics(missing).all().get();
                } catch (ExecutionException raced) {
                    // Another node may have created one of them at the same moment; that is fine.
                    if (!(raced.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException)) {
                        throw raced;
                    }
                }
            }
        } catch (ExecutionException failure) {
            throw new IllegalStateException("Cannot create Kafka topics " + topics, failure.getCause());
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating Kafka topics", interrupted);
        }
    }
}
