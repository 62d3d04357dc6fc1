package org.openwallet.fraud;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.openwallet.platform.ProblemCode;
import org.openwallet.platform.ProblemException;
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

    Freezes(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** A freeze in force: why, by whom (a user id; null for an operator), since when. */
    public record Freeze(UUID userId, String reason, UUID frozenBy, Instant frozenAt) {
    }

    public boolean isFrozen(UUID userId) {
        return find(userId).isPresent();
    }

    public Optional<Freeze> find(UUID userId) {
        return jdbc.sql("SELECT user_id, reason, frozen_by, frozen_at FROM fraud_freezes WHERE user_id = ?")
                .param(userId)
                .query((rs, n) -> new Freeze((UUID) rs.getObject(1), rs.getString(2), (UUID) rs.getObject(3), rs.getTimestamp(4).toInstant()))
                .optional();
    }

    /**
     * Refuses, with 403 {@code account_frozen}, what a frozen user may not do ({@code what}: e.g.
     * "withdraw"). The detail does not repeat the admin's reason, which is internal.
     */
    public void refuseIfFrozen(UUID userId, String what) {
        if (isFrozen(userId)) {
            throw new ProblemException(ProblemCode.ACCOUNT_FROZEN, "This account is frozen: you cannot " + what + " until it is unfrozen.");
        }
    }
}
