package org.openwallet.audit;

import java.util.List;
import java.util.UUID;
import org.openwallet.platform.Ids;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Appends audit entries and reads them back. {@link #append} joins the caller's transaction, so an
 * entry exists exactly when the change it describes committed.
 */
@Service
public class AuditLog {
    /** The most entries one page returns. */
    public static final int MAX_PAGE_SIZE = 100;

    private final JdbcClient jdbc;
    private final JsonMapper json;

    AuditLog(JdbcClient jdbc, JsonMapper json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    /** One recorded action. {@code before} and {@code after} are JSON, null where there was no state. */
    public record Entry(
            UUID id,
            UUID actorId,
            String actor,
            String action,
            String targetType,
            String targetId,
            JsonNode before,
            JsonNode after,
            String createdAt) {}

    /**
     * Records that {@code actor} did {@code action} to a target, which was {@code before} and is now
     * {@code after} (any value Jackson can write; null for none).
     */
    public void append(Actor actor, String action, String targetType, Object targetId, Object before, Object after) {
        jdbc.sql("""
                INSERT INTO audit_log (id, actor_id, actor, action, target_type, target_id, before, after)
                VALUES (?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb)
                """)
                .params(
                        Ids.next(),
                        actor.userId(),
                        actor.name(),
                        action,
                        targetType,
                        targetId.toString(),
                        before == null ? null : json.writeValueAsString(before),
                        after == null ? null : json.writeValueAsString(after))
                .update();
    }

    /**
     * Entries newest first, optionally for one target, older than {@code before} (a cursor id).
     *
     * @param limit 1 to {@link #MAX_PAGE_SIZE}
     */
    public List<Entry> page(String targetType, String targetId, UUID before, int limit) {
        if (limit < 1 || limit > MAX_PAGE_SIZE) {
            throw new IllegalArgumentException("limit " + limit);
        }
        return jdbc.sql("""
                SELECT id, actor_id, actor, action, target_type, target_id, before::text, after::text, created_at
                  FROM audit_log
                 WHERE (:type::text IS NULL OR target_type = :type)
                   AND (:target::text IS NULL OR target_id = :target)
                   AND (:before::uuid IS NULL OR id < :before)
                 ORDER BY id DESC LIMIT :limit
                """)
                .param("type", targetType)
                .param("target", targetId)
                .param("before", before)
                .param("limit", limit)
                .query((rs, n) -> new Entry(
                        (UUID) rs.getObject(1),
                        (UUID) rs.getObject(2),
                        rs.getString(3),
                        rs.getString(4),
                        rs.getString(5),
                        rs.getString(6),
                        readJson(rs.getString(7)),
                        readJson(rs.getString(8)),
                        rs.getTimestamp(9).toInstant().toString()))
                .list();
    }

    private JsonNode readJson(String text) {
        return text == null ? null : json.readTree(text);
    }
}
