package org.openwallet.outbox;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * How far the relay is behind, read from PostgreSQL so any node can tell, relay or not: the WAL
 * the slot still holds (bytes), and the age of the oldest outbox event not yet published (seconds).
 * A relay outage makes both grow; the WAL cannot be recycled until the relay catches up.
 */
@Component("outboxRelayLag")
class RelayLag implements HealthIndicator {
    private final JdbcClient jdbc;
    private final RelaySettings settings;

    RelayLag(JdbcClient jdbc, RelaySettings settings, MeterRegistry meters) {
        this.jdbc = jdbc;
        this.settings = settings;
        Gauge.builder("wallet.outbox.slot.lag.bytes", this, lag -> lag.read().bytes())
                .description("WAL held by the outbox replication slot").baseUnit("bytes").register(meters);
        Gauge.builder("wallet.outbox.lag.seconds", this, lag -> lag.read().seconds())
                .description("Age of the oldest outbox event not yet published to Kafka").baseUnit("seconds").register(meters);
    }

    record Lag(long bytes, double seconds, boolean slotExists, boolean slotActive) {
    }

    Lag read() {
        Map<String, Object> slot = jdbc.sql("""
                SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint AS bytes, active
                  FROM pg_replication_slots WHERE slot_name = ?
                """).param(settings.slotName()).query().listOfRows().stream().findFirst().orElse(null);
        double seconds = jdbc.sql("""
                SELECT coalesce(extract(epoch FROM now() - (
                    SELECT occurred_at FROM outbox_events
                     WHERE id > coalesce((SELECT last_event_id FROM outbox_relay_position WHERE slot_name = ?),
                                         '00000000-0000-0000-0000-000000000000')
                     ORDER BY id LIMIT 1)), 0)
                """).param(settings.slotName()).query(Double.class).single();
        if (slot == null) {
            return new Lag(0, seconds, false, false);
        }
        Number bytes = (Number) slot.get("bytes");
        return new Lag(bytes == null ? 0 : bytes.longValue(), seconds, true, Boolean.TRUE.equals(slot.get("active")));
    }

    /**
     * Always UP: payments do not wait for the relay, so a lagging relay must not take the API out of
     * a load balancer. The details say how far behind it is.
     */
    @Override
    public Health health() {
        Lag lag = read();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("slot", settings.slotName());
        details.put("slotExists", lag.slotExists());
        details.put("slotActive", lag.slotActive());
        details.put("lagBytes", lag.bytes());
        details.put("lagSeconds", lag.seconds());
        return Health.up().withDetails(details).build();
    }
}
