package org.openwallet.fraud;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.openwallet.audit.AuditLog;
import org.openwallet.identity.AuthenticatedUser;
import org.openwallet.identity.Role;
import org.openwallet.identity.Roles;
import org.openwallet.platform.ApiContract;
import org.openwallet.platform.ProblemCode;
import org.openwallet.platform.ProblemException;
import org.openwallet.platform.Transactions;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Admin-only: verification tiers, blocked recipients, and the fraud decision log. */
@RestController
@Tag(name = "Admin: fraud", description = "Verification tiers, blocked recipients, freezes and the fraud decision log")
class FraudAdminController {
    static final int MAX_PAGE_SIZE = 100;

    private final JdbcClient jdbc;
    private final JsonMapper json;
    private final Roles roles;
    private final AuditLog audit;
    private final Transactions transactions;

    FraudAdminController(JdbcClient jdbc, JsonMapper json, Roles roles, AuditLog audit, Transactions transactions) {
        this.jdbc = jdbc;
        this.json = json;
        this.roles = roles;
        this.audit = audit;
        this.transactions = transactions;
    }

    record VerificationRequest(Boolean verified) {
    }

    record VerificationResponse(UUID userId, String tier) {
    }

    record BlockRequest(String reason) {
    }

    record DecisionView(UUID id, UUID senderId, UUID recipientId, long amountMinor, String currency, String ip, String decision,
                        JsonNode reasons, JsonNode notes, boolean timedOut, long latencyMicros, long weeklyLimitMinor, String createdAt) {
    }

    record DecisionPage(List<DecisionView> items) {
    }

    @PutMapping("/v1/admin/users/{userId}/verification")
    @ApiContract(access = ApiContract.Access.ADMIN)
    @Operation(summary = "Set a user's verification tier (raises the weekly sending limit)",
            description = "verified: true moves the user to the verified tier, whose weekly sending limit is higher; false moves them back. Audited (verification.set).")
    VerificationResponse setVerification(@Parameter(hidden = true) AuthenticatedUser admin, @PathVariable UUID userId,
                                         @RequestBody VerificationRequest request) {
        roles.requireAdmin(admin);
        if (request.verified() == null) {
            throw new ProblemException(ProblemCode.VALIDATION_FAILED, "verified (true or false) is required.");
        }
        String tier = request.verified() ? "verified" : "unverified";
        transactions.run(() -> {
            String before = jdbc.sql("SELECT tier FROM fraud_profiles WHERE user_id = ? FOR UPDATE").param(userId).query(String.class)
                    .optional().orElse("unverified");
            jdbc.sql("""
                    INSERT INTO fraud_profiles (user_id, tier) VALUES (?, ?)
                    ON CONFLICT (user_id) DO UPDATE SET tier = excluded.tier, updated_at = now()
                    """).params(userId, tier).update();
            audit.append(admin.actor(), "verification.set", "user", userId, Map.of("tier", before), Map.of("tier", tier));
            return null;
        });
        return new VerificationResponse(userId, tier);
    }

    @PutMapping("/v1/admin/fraud/blocked-recipients/{userId}")
    @ApiContract(access = ApiContract.Access.ADMIN)
    @Operation(summary = "Block payments to a user",
            description = "Every payment to this user is declined (transfer_declined, reason recipient_blocked) until unblocked; reason is optional. Blocking again replaces the reason. Audited (recipient.blocked).",
            responses = @ApiResponse(responseCode = "204", description = "Payments to the user are blocked"))
    ResponseEntity<Void> block(@Parameter(hidden = true) AuthenticatedUser admin, @PathVariable UUID userId,
                               @RequestBody(required = false) BlockRequest request) {
        roles.requireAdmin(admin);
        String reason = request == null ? null : request.reason();
        transactions.run(() -> {
            Map<String, Object> before = blockState(userId);
            jdbc.sql("INSERT INTO fraud_blocked_recipients (user_id, reason) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET reason = excluded.reason")
                    .params(userId, reason).update();
            audit.append(admin.actor(), "recipient.blocked", "user", userId, before, blockState(userId));
            return null;
        });
        return ResponseEntity.noContent().build();
    }

    @DeleteMapping("/v1/admin/fraud/blocked-recipients/{userId}")
    @ApiContract(access = ApiContract.Access.ADMIN)
    @Operation(summary = "Allow payments to a user again",
            description = "Removes the block; unblocking a user who is not blocked changes nothing. Audited (recipient.unblocked) when a block was removed.",
            responses = @ApiResponse(responseCode = "204", description = "Payments to the user are allowed"))
    ResponseEntity<Void> unblock(@Parameter(hidden = true) AuthenticatedUser admin, @PathVariable UUID userId) {
        roles.requireAdmin(admin);
        transactions.run(() -> {
            Map<String, Object> before = blockState(userId);
            if (jdbc.sql("DELETE FROM fraud_blocked_recipients WHERE user_id = ?").param(userId).update() > 0) {
                audit.append(admin.actor(), "recipient.unblocked", "user", userId, before, blockState(userId));
            }
            return null;
        });
        return ResponseEntity.noContent().build();
    }

    @GetMapping("/v1/admin/fraud/decisions")
    @ApiContract(access = ApiContract.Access.ADMIN_OR_SUPPORT)
    @Operation(summary = "Fraud decisions for a sender, newest first",
            description = "Every decision the fraud check took on payments of sender_id, with its reasons and latency; limit is 1-100 (default 20).")
    DecisionPage decisions(@Parameter(hidden = true) AuthenticatedUser admin, @RequestParam("sender_id") UUID senderId,
                           @RequestParam(defaultValue = "20") int limit) {
        roles.require(admin, Role.ADMIN, Role.SUPPORT);
        if (limit < 1 || limit > MAX_PAGE_SIZE) {
            throw new ProblemException(ProblemCode.VALIDATION_FAILED, "limit must be between 1 and " + MAX_PAGE_SIZE + ".");
        }
        List<DecisionView> items = jdbc.sql("""
                SELECT id, sender_id, recipient_id, amount_minor, currency, ip, decision, reasons::text, notes::text,
                       timed_out, latency_micros, weekly_limit_minor, created_at
                  FROM fraud_decisions WHERE sender_id = ? ORDER BY id DESC LIMIT ?
                """)
                .params(senderId, limit)
                .query((rs, n) -> new DecisionView((UUID) rs.getObject(1), (UUID) rs.getObject(2), (UUID) rs.getObject(3), rs.getLong(4),
                        rs.getString(5), rs.getString(6), rs.getString(7), json.readTree(rs.getString(8)), json.readTree(rs.getString(9)),
                        rs.getBoolean(10), rs.getLong(11), rs.getLong(12), rs.getTimestamp(13).toInstant().toString()))
                .list();
        return new DecisionPage(items);
    }

    /** Whether payments to the user are blocked, and why: the audited state of a block. */
    private Map<String, Object> blockState(UUID userId) {
        Optional<String> reason = jdbc.sql("SELECT coalesce(reason, '') FROM fraud_blocked_recipients WHERE user_id = ?")
                .param(userId).query(String.class).optional();
        return reason.<Map<String, Object>>map(text -> Map.of("blocked", true, "reason", text)).orElse(Map.of("blocked", false));
    }
}
