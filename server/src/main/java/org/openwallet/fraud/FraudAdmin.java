package org.openwallet.fraud;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.openwallet.audit.Actor;
import org.openwallet.audit.AuditLog;
import org.openwallet.platform.database.Transactions;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What admins set and read in the fraud capability: verification tiers, blocked recipients and the
 * decision log. Every change is audited with the state before and after, in its own transaction.
 * The caller has checked the actor's role.
 */
@Service
class FraudAdmin {
    private final JdbcClient jdbc;
    private final JsonMapper json;
    private final AuditLog audit;
    private final Transactions transactions;

    FraudAdmin(JdbcClient jdbc, JsonMapper json, AuditLog audit, Transactions transactions) {
        this.jdbc = jdbc;
        this.json = json;
        this.audit = audit;
        this.transactions = transactions;
    }

    /** One decision of the fraud check, as recorded. */
    record DecisionView(
            UUID id,
            UUID senderId,
            UUID recipientId,
            long amountMinor,
            String currency,
            String ip,
            String decision,
            JsonNode reasons,
            JsonNode notes,
            boolean timedOut,
            long latencyMicros,
            long weeklyLimitMinor,
            String createdAt) {}

    /** Moves the user to the verified tier or back; returns the tier set. Audited ({@code verification.set}). */
    String setVerification(Actor actor, UUID userId, boolean verified) {
        String tier = verified ? "verified" : "unverified";
        transactions.run(() -> {
            String before = jdbc.sql("SELECT tier FROM fraud_profiles WHERE user_id = ? FOR UPDATE")
                    .param(userId)
                    .query(String.class)
                    .optional()
                    .orElse("unverified");
            jdbc.sql("""
                    INSERT INTO fraud_profiles (user_id, tier) VALUES (?, ?)
                    ON CONFLICT (user_id) DO UPDATE SET tier = excluded.tier, updated_at = now()
                    """).params(userId, tier).update();
            audit.append(actor, "verification.set", "user", userId, Map.of("tier", before), Map.of("tier", tier));
            return null;
        });
        return tier;
    }

    /** Blocks payments to the user, with an optional reason (blocking again replaces it). Audited ({@code recipient.blocked}). */
    void block(Actor actor, UUID userId, String reason) {
        transactions.run(() -> {
            Map<String, Object> before = blockState(userId);
            jdbc.sql(
                            "INSERT INTO fraud_blocked_recipients (user_id, reason) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET reason = excluded.reason")
                    .params(userId, reason)
                    .update();
            audit.append(actor, "recipient.blocked", "user", userId, before, blockState(userId));
            return null;
        });
    }

    /** Removes a block; audited ({@code recipient.unblocked}) only when there was one. */
    void unblock(Actor actor, UUID userId) {
        transactions.run(() -> {
            Map<String, Object> before = blockState(userId);
            if (jdbc.sql("DELETE FROM fraud_blocked_recipients WHERE user_id = ?")
                            .param(userId)
                            .update()
                    > 0) {
                audit.append(actor, "recipient.unblocked", "user", userId, before, blockState(userId));
            }
            return null;
        });
    }

    /** The latest {@code limit} decisions on payments of {@code senderId}, newest first. */
    List<DecisionView> decisions(UUID senderId, int limit) {
        return jdbc.sql("""
                SELECT id, sender_id, recipient_id, amount_minor, currency, ip, decision, reasons::text, notes::text,
                       timed_out, latency_micros, weekly_limit_minor, created_at
                  FROM fraud_decisions WHERE sender_id = ? ORDER BY id DESC LIMIT ?
                """)
                .params(senderId, limit)
                .query((rs, n) -> new DecisionView(
                        (UUID) rs.getObject(1),
                        (UUID) rs.getObject(2),
                        (UUID) rs.getObject(3),
                        rs.getLong(4),
                        rs.getString(5),
                        rs.getString(6),
                        rs.getString(7),
                        json.readTree(rs.getString(8)),
                        json.readTree(rs.getString(9)),
                        rs.getBoolean(10),
                        rs.getLong(11),
                        rs.getLong(12),
                        rs.getTimestamp(13).toInstant().toString()))
                .list();
    }

    /** Whether payments to the user are blocked, and why: the audited state of a block. */
    private Map<String, Object> blockState(UUID userId) {
        Optional<String> reason = jdbc.sql(
                        "SELECT coalesce(reason, '') FROM fraud_blocked_recipients WHERE user_id = ?")
                .param(userId)
                .query(String.class)
                .optional();
        return reason.<Map<String, Object>>map(text -> Map.of("blocked", true, "reason", text))
                .orElse(Map.of("blocked", false));
    }
}
