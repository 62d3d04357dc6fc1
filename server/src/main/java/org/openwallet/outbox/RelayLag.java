package org.openwallet.outbox;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.openwallet.platform.HealthStatus;
import org.openwallet.platform.SampledHealth;
import org.openwallet.platform.config.WalletProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.util.unit.DataSize;

/**
 * How far the relay is behind, read from PostgreSQL so any node can tell, relay or not: the WAL
 * the slot still holds (bytes), and the age of the oldest outbox event not yet published (seconds).
 * A relay outage makes both grow; the WAL cannot be recycled until the relay catches up.
 *
 * <p>In health ({@code outboxRelayLag}) it is UP, or DEGRADED with a reason once the slot holds
 * more than {@code wallet.outbox.degraded-slot-lag} or PostgreSQL has given the slot up
 * ({@code wal_status} lost, past {@code max_slot_wal_keep_size}). Never DOWN: payments do not wait
 * for the relay, so a lagging relay must not take the API out of a load balancer; DEGRADED answers
 * 200 and tells the operator. The lag is read in the background ({@link SampledHealth}); when it
 * cannot be read (PostgreSQL down: the {@code db} component says so) it is UNKNOWN.
 */
@Component("outboxRelayLag")
class RelayLag implements HealthIndicator, DisposableBean {
    private static final Logger log = LoggerFactory.getLogger(RelayLag.class);
    /** pg_replication_slots.wal_status of a slot PostgreSQL invalidated for holding too much WAL. */
    static final String WAL_LOST = "lost";

    private final JdbcClient jdbc;
    private final RelaySettings settings;
    private final SampledHealth sampled;
    /** The lag the last health sample read; the gauges show it, so a scrape never queries PostgreSQL. */
    private volatile Lag latest;

    RelayLag(JdbcClient jdbc, RelaySettings settings, MeterRegistry meters, WalletProperties properties) {
        this.jdbc = jdbc;
        this.settings = settings;
        Gauge.builder("wallet.outbox.slot.lag.bytes", this, lag -> lag.latest == null ? Double.NaN : lag.latest.bytes())
                .description("WAL held by the outbox replication slot")
                .baseUnit("bytes")
                .register(meters);
        Gauge.builder("wallet.outbox.lag.seconds", this, lag -> lag.latest == null ? Double.NaN : lag.latest.seconds())
                .description("Age of the oldest outbox event not yet published to Kafka")
                .baseUnit("seconds")
                .register(meters);
        DataSize cap = properties.database().maxSlotWalKeepSize();
        if (!properties.database().external()
                && !cap.isNegative()
                && settings.degradedSlotLag().compareTo(cap) >= 0) {
            log.warn(
                    "wallet.outbox.degraded-slot-lag ({}) is not below wallet.database.max-slot-wal-keep-size ({}): PostgreSQL may give up "
                            + "the outbox's slot before health says DEGRADED",
                    settings.degradedSlotLag(),
                    cap);
        }
        this.sampled = new SampledHealth("the outbox relay's lag", properties.health(), Status.UNKNOWN, this::check);
    }

    /** {@code walStatus}: the slot's {@code wal_status} (reserved, extended, unreserved, lost), null without a slot. */
    record Lag(long bytes, double seconds, boolean slotExists, boolean slotActive, String walStatus) {}

    Lag read() {
        Map<String, Object> slot = jdbc.sql("""
                SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint AS bytes, active, wal_status
                  FROM pg_replication_slots WHERE slot_name = ?
                """).param(settings.slotName()).query().listOfRows().stream()
                .findFirst()
                .orElse(null);
        double seconds =
                jdbc.sql("""
                SELECT coalesce(extract(epoch FROM now() - (
                    SELECT occurred_at FROM outbox_events
                     WHERE id > coalesce((SELECT last_event_id FROM outbox_relay_position WHERE slot_name = ?),
                                         '00000000-0000-0000-0000-000000000000')
                     ORDER BY id LIMIT 1)), 0)
                """).param(settings.slotName()).query(Double.class).single();
        if (slot == null) {
            return new Lag(0, seconds, false, false, null);
        }
        Number bytes = (Number) slot.get("bytes");
        return new Lag(
                bytes == null ? 0 : bytes.longValue(), seconds, true, Boolean.TRUE.equals(slot.get("active")), (String)
                        slot.get("wal_status"));
    }

    @Override
    public Health health() {
        return sampled.health();
    }

    private Health check() {
        Lag lag;
        try {
            lag = read();
            latest = lag;
        } catch (DataAccessException unreadable) {
            return Health.unknown()
                    .withDetail(HealthStatus.REASON, "the outbox relay's lag cannot be read")
                    .withDetail(
                            "error",
                            unreadable.getClass().getName() + ": "
                                    + unreadable.getMostSpecificCause().getMessage())
                    .build();
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("slot", settings.slotName());
        details.put("slotExists", lag.slotExists());
        details.put("slotActive", lag.slotActive());
        details.put("walStatus", lag.walStatus());
        details.put("lagBytes", lag.bytes());
        details.put("lagSeconds", lag.seconds());
        details.put("degradedAboveBytes", settings.degradedSlotLag().toBytes());
        if (WAL_LOST.equals(lag.walStatus())) {
            return Health.status(HealthStatus.DEGRADED)
                    .withDetail(
                            HealthStatus.REASON,
                            "PostgreSQL gave up the outbox's replication slot "
                                    + "(it held more WAL than max_slot_wal_keep_size): outbox events are not relayed until the relay is re-seeded")
                    .withDetails(details)
                    .build();
        }
        if (lag.bytes() > settings.degradedSlotLag().toBytes()) {
            return Health.status(HealthStatus.DEGRADED)
                    .withDetail(
                            HealthStatus.REASON,
                            "the outbox relay is behind: its replication slot holds " + megabytes(lag.bytes())
                                    + " of WAL (DEGRADED above "
                                    + megabytes(settings.degradedSlotLag().toBytes()) + ")")
                    .withDetails(details)
                    .build();
        }
        return Health.up().withDetails(details).build();
    }

    private static String megabytes(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / (1024.0 * 1024.0));
    }

    @Override
    public void destroy() {
        sampled.close();
    }
}
