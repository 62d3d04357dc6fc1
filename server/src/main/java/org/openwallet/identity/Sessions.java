package org.openwallet.identity;

import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.openwallet.platform.Ids;
import org.openwallet.platform.database.Transactions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Service;

/**
 * Sessions: one per login, on one device. A session hands out short-lived access tokens and one
 * refresh token at a time; each refresh retires the token it was given and answers a new pair
 * (rotation). The session is the family of those refresh tokens: a retired one presented again
 * means two parties hold the family (a stolen token), so the whole session ends, the thief's and
 * the owner's newest tokens alike, and both must log in again.
 *
 * <p>Ending a session (logout, {@code DELETE /v1/auth/sessions/{id}}, a password change, reuse)
 * sets {@code revoked_at}; its access tokens stop working as soon as each node's
 * {@link SessionRevocations} has seen it, and its refresh tokens at once.
 */
@Service
class Sessions {
    private static final Logger log = LoggerFactory.getLogger(Sessions.class);
    /** A device is the client's User-Agent, cut to this many characters. */
    static final int MAX_DEVICE_LENGTH = 200;

    static final int MAX_IP_LENGTH = 64;
    static final int REFRESH_TOKEN_BYTES = 32;
    /** Longer than any token we issue (43 characters); anything longer is not looked up. */
    static final int MAX_REFRESH_TOKEN_LENGTH = 100;
    /** Rows the pruner deletes per statement, and statements per run. */
    static final int PRUNE_BATCH_SIZE = 5_000;

    static final int MAX_PRUNE_BATCHES_PER_RUN = 100;
    /** Ended and expired sessions stay listed in the database this long (well past any token of theirs). */
    static final String PRUNE_AFTER = "7 days";

    private static final SecureRandom RANDOM = new SecureRandom();

    private final JdbcClient jdbc;
    private final Transactions transactions;
    private final TokenService tokens;
    private final SessionRevocations revocations;
    private final SessionProperties properties;
    private final MeterRegistry meters;

    Sessions(
            JdbcClient jdbc,
            Transactions transactions,
            TokenService tokens,
            SessionRevocations revocations,
            SessionProperties properties,
            MeterRegistry meters) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.tokens = tokens;
        this.revocations = revocations;
        this.properties = properties;
        this.meters = meters;
    }

    /** An access token, its lifetime in seconds, and the refresh token that gets the next one. */
    record TokenPair(String accessToken, long expiresInSeconds, String refreshToken, long refreshExpiresInSeconds) {}

    /** Why a refresh token was refused. */
    enum Refusal {
        UNKNOWN,
        EXPIRED,
        SESSION_ENDED,
        REUSED
    }

    /** What a refresh did: a new pair, or a refusal. */
    sealed interface Refresh {
        record Issued(TokenPair tokens) implements Refresh {}

        record Refused(Refusal reason) implements Refresh {}
    }

    /** An active session as its owner sees it. */
    record Session(UUID id, String device, String ip, Instant createdAt, Instant lastUsedAt) {}

    /** Why a session ended: stored, never shown to anyone but operators. */
    enum Reason {
        LOGOUT("logout"),
        ENDED("ended"),
        PASSWORD_CHANGED("password_changed"),
        REFRESH_TOKEN_REUSED("refresh_token_reused"),
        EVICTED("evicted");

        final String value;

        Reason(String value) {
            this.value = value;
        }
    }

    /**
     * Starts a session for a user who has just proven who they are. Past {@code max-per-user}
     * active sessions, the least recently used ones end: a script logging in in a loop cannot grow
     * a user's sessions, or this table, without bound.
     */
    TokenPair open(UUID userId, String handle, String device, String ip) {
        UUID sessionId = Ids.next();
        String refreshToken = newRefreshToken();
        List<UUID> evicted = transactions.run(() -> {
            List<UUID> ended = jdbc.sql("""
                    UPDATE sessions SET revoked_at = now(), revoked_reason = ?
                     WHERE id IN (SELECT id FROM sessions WHERE user_id = ? AND revoked_at IS NULL AND expires_at > now()
                                   ORDER BY last_used_at DESC, id DESC OFFSET ?)
                    RETURNING id
                    """)
                    .params(Reason.EVICTED.value, userId, properties.maxPerUser() - 1)
                    .query(UUID.class)
                    .list();
            jdbc.sql("""
                    INSERT INTO sessions (id, user_id, device, ip, expires_at)
                    VALUES (?, ?, ?, ?, now() + make_interval(secs => ?))
                    """)
                    .params(
                            sessionId,
                            userId,
                            device(device),
                            bounded(ip, MAX_IP_LENGTH),
                            properties.refreshTokenTtl().toSeconds())
                    .update();
            insertRefreshToken(sessionId, refreshToken);
            return ended;
        });
        revocations.revokedHere(evicted);
        return pair(userId, handle, sessionId, refreshToken);
    }

    /**
     * Exchanges a refresh token for a new pair and retires it. The session row is locked first, so
     * of two refreshes with one token exactly one finds it unretired; the other is a reuse.
     */
    Refresh refresh(String refreshToken, String device, String ip) {
        if (refreshToken == null || refreshToken.length() > MAX_REFRESH_TOKEN_LENGTH) {
            return new Refresh.Refused(Refusal.UNKNOWN);
        }
        byte[] hash = hash(refreshToken);
        String next = newRefreshToken();
        Outcome outcome = transactions.run(() -> {
            Optional<UUID> sessionId = jdbc.sql("SELECT session_id FROM refresh_tokens WHERE token_hash = ?")
                    .param(hash)
                    .query(UUID.class)
                    .optional();
            if (sessionId.isEmpty()) {
                return new Outcome(Refusal.UNKNOWN, null, null, null);
            }
            Optional<Owner> locked = jdbc.sql("""
                    SELECT s.user_id, u.handle, s.revoked_at IS NOT NULL FROM sessions s JOIN users u ON u.id = s.user_id
                     WHERE s.id = ? FOR UPDATE OF s
                    """)
                    .param(sessionId.get())
                    .query((rs, n) -> new Owner((UUID) rs.getObject(1), rs.getString(2), rs.getBoolean(3)))
                    .optional();
            // Read again under the session's lock: a refresh that held it before us may have retired the token.
            Optional<TokenState> state = jdbc.sql(
                            "SELECT retired_at IS NOT NULL, expires_at <= now() FROM refresh_tokens WHERE token_hash = ?")
                    .param(hash)
                    .query((rs, n) -> new TokenState(rs.getBoolean(1), rs.getBoolean(2)))
                    .optional();
            if (locked.isEmpty() || state.isEmpty()) {
                // Pruned since the first read.
                return new Outcome(Refusal.UNKNOWN, null, null, null);
            }
            Owner owner = locked.get();
            TokenState token = state.get();
            if (owner.ended()) {
                return new Outcome(Refusal.SESSION_ENDED, sessionId.get(), null, null);
            }
            if (token.retired()) {
                end(sessionId.get(), Reason.REFRESH_TOKEN_REUSED);
                return new Outcome(Refusal.REUSED, sessionId.get(), owner.userId(), null);
            }
            if (token.expired()) {
                return new Outcome(Refusal.EXPIRED, sessionId.get(), null, null);
            }
            jdbc.sql("UPDATE refresh_tokens SET retired_at = now() WHERE token_hash = ?")
                    .param(hash)
                    .update();
            insertRefreshToken(sessionId.get(), next);
            jdbc.sql("""
                    UPDATE sessions SET last_used_at = now(), ip = ?, device = ?, expires_at = now() + make_interval(secs => ?)
                     WHERE id = ?
                    """)
                    .params(
                            bounded(ip, MAX_IP_LENGTH),
                            device(device),
                            properties.refreshTokenTtl().toSeconds(),
                            sessionId.get())
                    .update();
            return new Outcome(null, sessionId.get(), owner.userId(), owner.handle());
        });
        if (outcome.refusal() == Refusal.REUSED) {
            revocations.revokedHere(List.of(outcome.sessionId()));
            meters.counter("wallet.sessions.refresh_token_reused").increment();
            log.warn(
                    "A retired refresh token of session {} (user {}) was presented again: the session is ended",
                    outcome.sessionId(),
                    outcome.userId());
        }
        if (outcome.refusal() != null) {
            return new Refresh.Refused(outcome.refusal());
        }
        return new Refresh.Issued(pair(outcome.userId(), outcome.handle(), outcome.sessionId(), next));
    }

    private record Owner(UUID userId, String handle, boolean ended) {}

    private record TokenState(boolean retired, boolean expired) {}

    private record Outcome(Refusal refusal, UUID sessionId, UUID userId, String handle) {}

    /** The user's active sessions, most recently used first. */
    List<Session> list(UUID userId) {
        return jdbc.sql("""
                SELECT id, device, ip, created_at, last_used_at FROM sessions
                 WHERE user_id = ? AND revoked_at IS NULL AND expires_at > now()
                 ORDER BY last_used_at DESC, id DESC LIMIT ?
                """)
                .params(userId, properties.maxPerUser())
                .query((rs, n) -> new Session(
                        (UUID) rs.getObject(1),
                        rs.getString(2),
                        rs.getString(3),
                        rs.getTimestamp(4).toInstant(),
                        rs.getTimestamp(5).toInstant()))
                .list();
    }

    /**
     * Ends one of the user's sessions; false when the user has no such session (another user's
     * counts as none). Ending an already ended session of the user's changes nothing and is true.
     */
    boolean end(UUID userId, UUID sessionId, Reason reason) {
        Boolean owned = transactions.run(() -> {
            Optional<Boolean> active = jdbc.sql(
                            "SELECT revoked_at IS NULL FROM sessions WHERE id = ? AND user_id = ? FOR UPDATE")
                    .params(sessionId, userId)
                    .query(Boolean.class)
                    .optional();
            if (active.isEmpty()) {
                return false;
            }
            if (active.get()) {
                end(sessionId, reason);
            }
            return true;
        });
        if (owned) {
            revocations.revokedHere(List.of(sessionId));
        }
        return owned;
    }

    /** Ends every active session of the user except {@code keep}, inside the caller's transaction; returns their ids. */
    List<UUID> endAllBut(UUID userId, UUID keep, Reason reason) {
        return jdbc.sql("""
                UPDATE sessions SET revoked_at = now(), revoked_reason = ?
                 WHERE user_id = ? AND id <> ? AND revoked_at IS NULL
                RETURNING id
                """)
                .params(reason.value, userId, keep)
                .query(UUID.class)
                .list();
    }

    /** Tells this node's revocations about sessions ended by a transaction that has committed. */
    void ended(List<UUID> sessionIds) {
        revocations.revokedHere(sessionIds);
    }

    private void end(UUID sessionId, Reason reason) {
        jdbc.sql("UPDATE sessions SET revoked_at = now(), revoked_reason = ? WHERE id = ? AND revoked_at IS NULL")
                .params(reason.value, sessionId)
                .update();
    }

    /**
     * Deletes refresh tokens past their expiry (a retired one is kept until then, for reuse
     * detection) and sessions ended or expired a week ago; a session's tokens go with it.
     */
    @Scheduled(
            initialDelayString = "${wallet.sessions.prune-interval:10m}",
            fixedDelayString = "${wallet.sessions.prune-interval:10m}")
    int prune() {
        int total = 0;
        for (String statement : List.of("""
                DELETE FROM refresh_tokens WHERE token_hash IN (
                    SELECT token_hash FROM refresh_tokens WHERE expires_at < now() LIMIT ?)
                """, """
                DELETE FROM sessions WHERE id IN (
                    SELECT id FROM sessions WHERE expires_at < now() - interval '%1$s' OR revoked_at < now() - interval '%1$s' LIMIT ?)
                """.formatted(PRUNE_AFTER))) {
            for (int batch = 0; batch < MAX_PRUNE_BATCHES_PER_RUN; batch++) {
                int deleted = jdbc.sql(statement).param(PRUNE_BATCH_SIZE).update();
                total += deleted;
                if (deleted < PRUNE_BATCH_SIZE) {
                    break;
                }
            }
        }
        return total;
    }

    private TokenPair pair(UUID userId, String handle, UUID sessionId, String refreshToken) {
        TokenService.IssuedToken access = tokens.issue(userId, handle, sessionId);
        return new TokenPair(
                access.value(),
                access.expiresInSeconds(),
                refreshToken,
                properties.refreshTokenTtl().toSeconds());
    }

    private void insertRefreshToken(UUID sessionId, String refreshToken) {
        jdbc.sql(
                        "INSERT INTO refresh_tokens (token_hash, session_id, expires_at) VALUES (?, ?, now() + make_interval(secs => ?))")
                .params(
                        hash(refreshToken),
                        sessionId,
                        properties.refreshTokenTtl().toSeconds())
                .update();
    }

    /** 256 random bits: unguessable, so a fast hash is enough to keep a database leak from yielding usable tokens. */
    private static String newRefreshToken() {
        byte[] bytes = new byte[REFRESH_TOKEN_BYTES];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static byte[] hash(String refreshToken) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(refreshToken.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    /** The User-Agent without control characters, bounded; "unknown" without one. */
    private static String device(String userAgent) {
        if (userAgent == null || userAgent.isBlank()) {
            return "unknown";
        }
        return bounded(userAgent.replaceAll("[\\p{Cc}\\p{Cs}]", "").strip(), MAX_DEVICE_LENGTH);
    }

    private static String bounded(String text, int maxLength) {
        String value = text == null ? "unknown" : text;
        if (value.length() <= maxLength) {
            return value;
        }
        // Never cut a surrogate pair in half: PostgreSQL would store the lone half as '?'.
        return value.substring(0, Character.isHighSurrogate(value.charAt(maxLength - 1)) ? maxLength - 1 : maxLength);
    }
}
