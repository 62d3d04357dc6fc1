package org.openwallet.fraud;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.openwallet.audit.Actor;
import org.openwallet.audit.AuditLog;
import org.openwallet.platform.database.Transactions;
import org.openwallet.platform.web.ProblemCode;
import org.openwallet.platform.web.ProblemException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/**
 * Whether a user is frozen: the public face of a freeze, for the capabilities a freeze stops.
 * Payments are refused in their ledger transaction ({@link HardRules}); withdrawals and bank links
 * ask {@link #refuseIfFrozen} before they start. Deposits already on their way still settle.
 */
@Service
public class Freezes {
    /** The longest reason an admin may give. */
    public static final int MAX_REASON_LENGTH = 500;

    private final JdbcClient jdbc;
    private final AuditLog audit;
    private final Transactions transactions;
    private final Clock clock;

    Freezes(JdbcClient jdbc, AuditLog audit, Transactions transactions, Clock clock) {
        this.jdbc = jdbc;
        this.audit = audit;
        this.transactions = transactions;
        this.clock = clock;
    }

    /** A freeze in force: why, by whom (a user id; null for an operator), since when. */
    public record Freeze(UUID userId, String reason, UUID frozenBy, Instant frozenAt) {}

    public boolean isFrozen(UUID userId) {
        return find(userId).isPresent();
    }

    public Optional<Freeze> find(UUID userId) {
        return jdbc.sql("SELECT user_id, reason, frozen_by, frozen_at FROM fraud_freezes WHERE user_id = ?")
                .param(userId)
                .query((rs, n) -> new Freeze(
                        (UUID) rs.getObject(1),
                        rs.getString(2),
                        (UUID) rs.getObject(3),
                        rs.getTimestamp(4).toInstant()))
                .optional();
    }

    /**
     * Refuses, with 403 {@code account_frozen}, what a frozen user may not do ({@code what}: e.g.
     * "withdraw"). The detail does not repeat the admin's reason, which is internal.
     */
    public void refuseIfFrozen(UUID userId, String what) {
        if (isFrozen(userId)) {
            throw new ProblemException(
                    ProblemCode.ACCOUNT_FROZEN,
                    "This account is frozen: you cannot " + what + " until it is unfrozen.");
        }
    }

    /**
     * Freezes {@code userId} for {@code reason} (already validated), audited as {@code actor}; the
     * freeze in force. The same reason again changes nothing and audits nothing; another replaces it.
     */
    Freeze freeze(Actor actor, UUID frozenBy, UUID userId, String reason) {
        return transactions.run(() -> {
            lockUser(userId);
            Optional<Freeze> before = find(userId);
            if (before.isPresent() && before.get().reason().equals(reason)) {
                return before.get();
            }
            jdbc.sql("""
                    INSERT INTO fraud_freezes (user_id, reason, frozen_by, frozen_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (user_id) DO UPDATE SET reason = excluded.reason, frozen_by = excluded.frozen_by
                    """)
                    .params(
                            userId,
                            reason,
                            frozenBy,
                            Timestamp.from(clock.instant().truncatedTo(ChronoUnit.MICROS)))
                    .update();
            Optional<Freeze> after = find(userId);
            audit.append(actor, "user.frozen", "user", userId, state(before), state(after));
            return after.orElseThrow();
        });
    }

    /** Lifts the freeze on {@code userId}, audited as {@code actor}; nothing for a user who is not frozen. */
    void unfreeze(Actor actor, UUID userId) {
        transactions.run(() -> {
            lockUser(userId);
            Optional<Freeze> before = find(userId);
            if (before.isPresent()) {
                jdbc.sql("DELETE FROM fraud_freezes WHERE user_id = ?")
                        .param(userId)
                        .update();
                audit.append(actor, "user.unfrozen", "user", userId, state(before), state(Optional.empty()));
            }
            return null;
        });
    }

    /** Fails on an unknown user; otherwise serializes freezes and unfreezes of the same user, so each is audited against the state it changed. */
    private void lockUser(UUID userId) {
        if (jdbc.sql("SELECT id FROM users WHERE id = ? FOR UPDATE")
                .param(userId)
                .query(UUID.class)
                .optional()
                .isEmpty()) {
            throw new ProblemException(ProblemCode.USER_NOT_FOUND, "No user " + userId + ".");
        }
    }

    /** The audited state of a freeze. */
    private static Map<String, Object> state(Optional<Freeze> freeze) {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("frozen", freeze.isPresent());
        freeze.ifPresent(found -> state.put("reason", found.reason()));
        return state;
    }
}
