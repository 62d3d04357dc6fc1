package org.openwallet.outbox;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Deletes outbox rows the relay has published, once they are older than the retention. The rows
 * are not what Debezium reads (it reads the WAL); they are kept a while for operators and for the
 * lag metric. Deletes are not in the publication, so they never reach Kafka.
 */
@Component
class OutboxPruner {
    static final int BATCH_SIZE = 5_000;
    static final int MAX_BATCHES_PER_RUN = 100;

    private final JdbcClient jdbc;
    private final RelaySettings settings;

    OutboxPruner(JdbcClient jdbc, RelaySettings settings) {
        this.jdbc = jdbc;
        this.settings = settings;
    }

    @Scheduled(
            initialDelayString = "${wallet.outbox.prune-interval:1m}",
            fixedDelayString = "${wallet.outbox.prune-interval:1m}")
    int prune() {
        int total = 0;
        for (int batch = 0; batch < MAX_BATCHES_PER_RUN; batch++) {
            int deleted = jdbc.sql("""
                    DELETE FROM outbox_events WHERE id IN (
                        SELECT id FROM outbox_events
                         WHERE id <= (SELECT last_event_id FROM outbox_relay_position WHERE slot_name = ?)
                           AND occurred_at < now() - make_interval(secs => ?)
                         ORDER BY id LIMIT ?)
                    """)
                    .params(settings.slotName(), settings.retention().toSeconds(), BATCH_SIZE)
                    .update();
            total += deleted;
            if (deleted < BATCH_SIZE) {
                break;
            }
        }
        return total;
    }
}
