package org.openwallet.identity;

import java.util.Arrays;
import java.util.List;
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
 * Roles held in the database. Every admin endpoint asks here on every call (one primary-key read),
 * so a revoked role stops working with the next request, whatever tokens its holder still has.
 */
@Service
public class Roles {
    private final JdbcClient jdbc;
    private final Transactions transactions;
    private final AuditLog audit;

    Roles(JdbcClient jdbc, Transactions transactions, AuditLog audit) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.audit = audit;
    }

    /** What a grant or revoke did. */
    public enum Change {
        GRANTED,
        REVOKED,
        UNCHANGED,
        NO_SUCH_USER
    }

    public boolean has(UUID userId, Role role) {
        return jdbc.sql("SELECT EXISTS (SELECT 1 FROM user_roles WHERE user_id = ? AND role = ?)")
                .params(userId, role.value())
                .query(Boolean.class)
                .single();
    }

    /**
     * Passes when {@code user} holds one of {@code allowed} now.
     *
     * @throws ProblemException 403 {@code forbidden} otherwise
     */
    public void require(AuthenticatedUser user, Role... allowed) {
        List<String> names = Arrays.stream(allowed).map(Role::value).toList();
        boolean holds = jdbc.sql("SELECT EXISTS (SELECT 1 FROM user_roles WHERE user_id = ? AND role = ANY (?))")
                .params(user.userId(), names.toArray(String[]::new))
                .query(Boolean.class)
                .single();
        if (!holds) {
            throw new ProblemException(
                    ProblemCode.FORBIDDEN, "This needs the role " + String.join(" or ", names) + ".");
        }
    }

    /** Shorthand for {@code require(user, Role.ADMIN)}. */
    public void requireAdmin(AuthenticatedUser user) {
        require(user, Role.ADMIN);
    }

    /** Grants {@code role} to the user with {@code handle}, audited as done by {@code actor}. */
    public Change grant(String handle, Role role, Actor actor) {
        return transactions.run(() -> {
            Optional<UUID> userId = userId(handle);
            if (userId.isEmpty()) {
                return Change.NO_SUCH_USER;
            }
            List<String> before = rolesOf(userId.get());
            int inserted = jdbc.sql(
                            "INSERT INTO user_roles (user_id, role, granted_by) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
                    .params(userId.get(), role.value(), actor.name())
                    .update();
            if (inserted == 0) {
                return Change.UNCHANGED;
            }
            audit.append(
                    actor,
                    "role.granted",
                    "user",
                    userId.get(),
                    Map.of("roles", before),
                    Map.of("roles", rolesOf(userId.get())));
            return Change.GRANTED;
        });
    }

    /** Takes {@code role} from the user with {@code handle}, audited as done by {@code actor}. */
    public Change revoke(String handle, Role role, Actor actor) {
        return transactions.run(() -> {
            Optional<UUID> userId = userId(handle);
            if (userId.isEmpty()) {
                return Change.NO_SUCH_USER;
            }
            List<String> before = rolesOf(userId.get());
            int deleted = jdbc.sql("DELETE FROM user_roles WHERE user_id = ? AND role = ?")
                    .params(userId.get(), role.value())
                    .update();
            if (deleted == 0) {
                return Change.UNCHANGED;
            }
            audit.append(
                    actor,
                    "role.revoked",
                    "user",
                    userId.get(),
                    Map.of("roles", before),
                    Map.of("roles", rolesOf(userId.get())));
            return Change.REVOKED;
        });
    }

    /** Every grant, as {@code handle role granted_by granted_at} lines, for the operator command. */
    List<String> list() {
        return jdbc.sql("""
                SELECT u.handle, r.role, r.granted_by, r.granted_at FROM user_roles r JOIN users u ON u.id = r.user_id
                 ORDER BY u.handle, r.role
                """)
                .query((rs, n) -> rs.getString(1) + " " + rs.getString(2) + " granted by " + rs.getString(3) + " at "
                        + rs.getTimestamp(4).toInstant())
                .list();
    }

    private Optional<UUID> userId(String handle) {
        return jdbc.sql("SELECT id FROM users WHERE handle = ?")
                .param(UserDirectory.normalizeHandle(handle))
                .query(UUID.class)
                .optional();
    }

    private List<String> rolesOf(UUID userId) {
        return jdbc.sql("SELECT role FROM user_roles WHERE user_id = ? ORDER BY role")
                .param(userId)
                .query(String.class)
                .list();
    }
}
