package org.openwallet.idempotency;

import java.time.Duration;
import org.openwallet.platform.config.WalletProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Deletes idempotency records older than the retention (24 hours by default), in bounded batches
 * so a large backlog never holds long locks. A retry after the retention is treated as new.
 */
@Component
class IdempotencyRecordPruner {
    private static final Logger log = LoggerFactory.getLogger(IdempotencyRecordPruner.class);
    /** Bounds one run, so a huge backlog is worked off over several runs instead of one long one. */
    static final int MAX_BATCHES_PER_RUN = 100;

    private final JdbcClient jdbc;
    private final Duration retention;
    private final int batchSize;

    IdempotencyRecordPruner(JdbcClient jdbc, WalletProperties properties) {
        this.jdbc = jdbc;
        this.retention = properties.idempotency().retention();
        this.batchSize = properties.idempotency().pruneBatchSize();
    }

    @Scheduled(
            initialDelayString = "${wallet.idempotency.prune-interval:10m}",
            fixedDelayString = "${wallet.idempotency.prune-interval:10m}")
    void scheduledPrune() {
        int deleted = prune();
        if (deleted > 0) {
            log.info("Pruned {} idempotency records older than {}", deleted, retention);
        }
    }

    /** Deletes expired records; returns how many. */
    int prune() {
        int total = 0;
        for (int batch = 0; batch < MAX_BATCHES_PER_RUN; batch++) {
            int deleted = jdbc.sql("""
                    DELETE FROM idempotency_records WHERE ctid IN (
                        SELECT ctid FROM idempotency_records WHERE created_at < now() - make_interval(secs => ?) LIMIT ?)
                    """).params(retention.toSeconds(), batchSize).update();
            total += deleted;
            if (deleted < batchSize) {
                break;
            }
        }
        return total;
    }
}
