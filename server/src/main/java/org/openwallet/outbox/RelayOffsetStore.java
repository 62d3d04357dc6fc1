package org.openwallet.outbox;

import io.debezium.embedded.KafkaConnectUtil;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.connect.runtime.WorkerConfig;
import org.apache.kafka.connect.storage.KafkaOffsetBackingStore;
import org.apache.kafka.connect.util.SharedTopicAdmin;

/**
 * The relay's Debezium offsets in the Kafka topic {@code wallet.relay.offsets}: Kafka Connect's
 * {@link KafkaOffsetBackingStore}, set up as Debezium sets it up, except that it closes the admin
 * client it opens.
 *
 * <p>Debezium 3.6 builds this store with a {@link SharedTopicAdmin} that nothing ever closes, so
 * every engine that stops leaves a live admin client behind, reconnecting to its broker forever.
 * The relay restarts its engine after every failure and on every leadership change, so those add up
 * ({@code OutboxRelayStopTest} counts the threads). Public, with a public no-argument constructor,
 * because Debezium instantiates the class named by {@code offset.storage} reflectively.
 */
public final class RelayOffsetStore extends KafkaOffsetBackingStore {
    /** Prefix of the store's client ids: {@code <prefix>offsets}, {@code <prefix>shared-admin}. */
    static final String CLIENT_ID_PREFIX = "wallet-outbox-relay-";

    private final AtomicReference<SharedTopicAdmin> admin;

    public RelayOffsetStore() {
        this(new AtomicReference<>());
    }

    private RelayOffsetStore(AtomicReference<SharedTopicAdmin> admin) {
        // The same JSON converter as Debezium's own store, so offsets it wrote stay readable.
        super(() -> admin.get().topicAdmin(), () -> CLIENT_ID_PREFIX, KafkaConnectUtil.converterForOffsetStore());
        this.admin = admin;
    }

    @Override
    public void configure(WorkerConfig config) {
        Map<String, Object> adminProperties = new HashMap<>(config.originals());
        adminProperties.put(AdminClientConfig.CLIENT_ID_CONFIG, CLIENT_ID_PREFIX + "shared-admin");
        SharedTopicAdmin previous = admin.getAndSet(new SharedTopicAdmin(adminProperties));
        if (previous != null) {
            previous.close();
        }
        super.configure(config);
    }

    @Override
    public void stop() {
        try {
            super.stop();
        } finally {
            SharedTopicAdmin current = admin.getAndSet(null);
            if (current != null) {
                current.close();
            }
        }
    }
}
