package org.openwallet.fraud;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.List;
import java.util.UUID;
import org.openwallet.identity.AuthenticatedUser;
import org.openwallet.platform.ProblemCode;
import org.openwallet.platform.ProblemException;
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
@Tag(name = "Admin: fraud")
@SecurityRequirement(name = "bearer")
class FraudAdminController {
    static final int MAX_PAGE_SIZE = 100;

    private final JdbcClient jdbc;
    private final JsonMapper json;

    FraudAdminController(JdbcClient jdbc, JsonMapper json) {
        this.jdbc = jdbc;
        this.json = json;
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
    @Operation(summary = "Set a user's verification tier (raises the weekly sending limit)")
    VerificationResponse setVerification(@Parameter(hidden = true) AuthenticatedUser admin, @PathVariable UUID userId,
                                         @RequestBody VerificationRequest request) {
        requireAdmin(admin);
        if (request.verified() == null) {
            throw new ProblemException(ProblemCode.VALIDATION_FAILED, "verified (true or false) is required.");
        }
        String tier = request.verified() ? "verified" : "unverified";
        jdbc.sql("""
                INSERT INTO fraud_profiles (user_id, tier) VALUES (?, ?)
                ON CONFLICT (user_id) DO UPDATE SET tier = excluded.tier, updated_at = now()
                """).params(userId, tier).update();
        return new VerificationResponse(userId, tier);
    }

    @PutMapping("/v1/admin/fraud/blocked-recipients/{userId}")
    @Operation(summary = "Block payments to a user")
    ResponseEntity<Void> block(@Parameter(hidden = true) AuthenticatedUser admin, @PathVariable UUID userId,
                               @RequestBody(required = false) BlockRequest request) {
        requireAdmin(admin);
        jdbc.sql("INSERT INTO fraud_blocked_recipients (user_id, reason) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET reason = excluded.reason")
                .params(userId, request == null ? null : request.reason()).update();
        return ResponseEntity.noContent().build();
    }

    @DeleteMapping("/v1/admin/fraud/blocked-recipients/{userId}")
    @Operation(summary = "Allow payments to a user again")
    ResponseEntity<Void> unblock(@Parameter(hidden = true) AuthenticatedUser admin, @PathVariable UUID userId) {
        requireAdmin(admin);
        jdbc.sql("DELETE FROM fraud_blocked_recipients WHERE user_id = ?").param(userId).update();
        return ResponseEntity.noContent().build();
    }

    @GetMapping("/v1/admin/fraud/decisions")
    @Operation(summary = "Fraud decisions for a sender, newest first")
    DecisionPage decisions(@Parameter(hidden = true) AuthenticatedUser admin, @RequestParam("sender_id") UUID senderId,
                           @RequestParam(defaultValue = "20") int limit) {
        requireAdmin(admin);
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

    private static void requireAdmin(AuthenticatedUser user) {
        if (!user.admin()) {
            throw new ProblemException(ProblemCode.FORBIDDEN, "Only admins may do this.");
        }
    }
}
