package org.openwallet.identity;

import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Which sessions have ended, as this node knows it: the hot path's answer to "is this access
 * token's session still alive?" without a database query per request. Every node polls the
 * sessions revoked since its last look ({@code revoked_at > last poll - overlap}, an indexed range
 * that is empty almost always) every {@code wallet.sessions.revocation-poll-interval}, so a logout on
 * one node reaches every node within about that interval. A revocation made on this node is
 * known here at once.
 *
 * <p>An ended session is remembered only as long as an access token of it can be unexpired (the
 * token lifetime plus {@link #CLOCK_SKEW}); that bounds the memory by the revocations of the last
 * quarter hour. If the node cannot poll for {@code wallet.sessions.revocation-max-staleness} (or
 * more sessions ended than it may hold), it stops honouring access tokens (503) rather than honour
 * ones that may have been revoked since.
 */
@Component
class SessionRevocations implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(SessionRevocations.class);
    /**
     * How far back each poll looks beyond the previous one. {@code revoked_at} is the revoking
     * transaction's clock reading, and that transaction may commit a moment after a poll has run:
     * re-reading a generous window costs a few rows and misses nothing.
     */
    static final Duration COMMIT_OVERLAP = Duration.ofSeconds(30);
    /** Tolerated difference between the issuing node's clock and the database's. */
    static final Duration CLOCK_SKEW = Duration.ofMinutes(1);
    /** Ended sessions held in memory at most (about 100 bytes each); more fails closed. */
    static final int MAX_REMEMBERED = 1_000_000;

    private final JdbcClient jdbc;
    private final Duration remembered;
    private final long maxStalenessNanos;
    private final long intervalMillis;
    private ScheduledExecutorService poller;
    /** Ended session id to when it ended (database clock). */
    private final Map<UUID, Instant> revoked = new ConcurrentHashMap<>();

    private volatile Instant lastPollDatabaseTime;
    private volatile long lastPollNanos;
    private volatile boolean overflowed;
    /** Whether the last poll failed, so that an outage is logged once, not every second. */
    private volatile boolean failing;

    SessionRevocations(JdbcClient jdbc, TokenProperties tokens, SessionProperties sessions, MeterRegistry meters) {
        this.jdbc = jdbc;
        this.remembered = tokens.ttl().plus(CLOCK_SKEW);
        this.maxStalenessNanos = sessions.revocationMaxStaleness().toNanos();
        this.lastPollNanos = System.nanoTime() - maxStalenessNanos - 1;
        meters.gauge("wallet.sessions.revocations.remembered", revoked, Map::size);
        this.intervalMillis = sessions.revocationPollInterval().toMillis();
        poll();
    }

    @Override
    public synchronized void start() {
        // A thread of its own: on the shared scheduler a long job (a reconciliation, a prune) would
        // delay the poll past the staleness bound and make this node refuse every request.
        poller = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("session-revocations").factory());
        poller.scheduleWithFixedDelay(this::poll, 0, intervalMillis, TimeUnit.MILLISECONDS);
    }

    /**
     * Before the web server's phases: polling starts before the first request is served and goes on
     * while the last ones drain; it stops before the beans (the database among them) are destroyed.
     */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE - 4096;
    }

    /** Stops polling early in shutdown, before the database it reads goes away. */
    @Override
    public synchronized void stop() {
        if (poller != null) {
            poller.shutdownNow();
            poller = null;
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return poller != null;
    }

    /** Whether the session has ended, as far as this node has heard. */
    boolean isRevoked(UUID sessionId) {
        return revoked.containsKey(sessionId);
    }

    /** Whether this node's knowledge of ended sessions is recent enough to honour access tokens. */
    boolean current() {
        return !overflowed && System.nanoTime() - lastPollNanos <= maxStalenessNanos;
    }

    /** Records sessions this node has just ended, so its own next request with their tokens fails at once. */
    void revokedHere(List<UUID> sessionIds) {
        Instant now = Instant.now();
        sessionIds.forEach(id -> revoked.putIfAbsent(id, now));
    }

    void poll() {
        try {
            Instant databaseNow =
                    jdbc.sql("SELECT now()").query(Timestamp.class).single().toInstant();
            Instant since = lastPollDatabaseTime == null
                    ? databaseNow.minus(remembered)
                    : lastPollDatabaseTime.minus(COMMIT_OVERLAP);
            List<Revoked> rows = jdbc.sql(
                            "SELECT id, revoked_at FROM sessions WHERE revoked_at > ? ORDER BY revoked_at LIMIT ?")
                    .params(Timestamp.from(since), MAX_REMEMBERED + 1)
                    .query((rs, n) -> new Revoked(
                            (UUID) rs.getObject(1), rs.getTimestamp(2).toInstant()))
                    .list();
            rows.forEach(row -> revoked.put(row.sessionId(), row.revokedAt()));
            Instant forgetBefore = databaseNow.minus(remembered);
            revoked.values().removeIf(revokedAt -> revokedAt.isBefore(forgetBefore));
            boolean full = rows.size() > MAX_REMEMBERED || revoked.size() > MAX_REMEMBERED;
            if (full && !overflowed) {
                log.error(
                        "More than {} sessions ended within {}: this node refuses access tokens until fewer are remembered",
                        MAX_REMEMBERED,
                        remembered);
            }
            overflowed = full;
            lastPollDatabaseTime = databaseNow;
            lastPollNanos = System.nanoTime();
            if (failing) {
                failing = false;
                log.info("Reading ended sessions again");
            }
        } catch (RuntimeException failure) {
            // Logged, not thrown: the next poll tries again; current() turns false once polls keep failing.
            if (!failing) {
                failing = true;
                log.warn("Cannot read ended sessions (logged once until it works again): {}", failure.toString());
            }
        }
    }

    private record Revoked(UUID sessionId, Instant revokedAt) {}
}
