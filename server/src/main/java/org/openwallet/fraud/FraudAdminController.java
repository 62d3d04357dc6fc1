package org.openwallet.fraud;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.List;
import java.util.UUID;
import org.openwallet.identity.AuthenticatedUser;
import org.openwallet.identity.Role;
import org.openwallet.identity.Roles;
import org.openwallet.platform.web.ApiContract;
import org.openwallet.platform.web.ProblemCode;
import org.openwallet.platform.web.ProblemException;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Admin-only: verification tiers, blocked recipients, and the fraud decision log. */
@RestController
@Tag(name = "Admin: fraud", description = "Verification tiers, blocked recipients, freezes and the fraud decision log")
class FraudAdminController {
    static final int MAX_PAGE_SIZE = 100;

    private final FraudAdmin fraud;
    private final Roles roles;

    FraudAdminController(FraudAdmin fraud, Roles roles) {
        this.fraud = fraud;
        this.roles = roles;
    }

    record VerificationRequest(Boolean verified) {}

    record VerificationResponse(UUID userId, String tier) {}

    record BlockRequest(String reason) {}

    record DecisionPage(List<FraudAdmin.DecisionView> items) {}

    @PutMapping("/v1/admin/users/{userId}/verification")
    @ApiContract(access = ApiContract.Access.ADMIN)
    @Operation(
            summary = "Set a user's verification tier (raises the weekly sending limit)",
            description =
                    "verified: true moves the user to the verified tier, whose weekly sending limit is higher; false moves them back. Audited (verification.set).")
    VerificationResponse setVerification(
            @Parameter(hidden = true) AuthenticatedUser admin,
            @PathVariable UUID userId,
            @RequestBody VerificationRequest request) {
        roles.requireAdmin(admin);
        if (request.verified() == null) {
            throw new ProblemException(ProblemCode.VALIDATION_FAILED, "verified (true or false) is required.");
        }
        String tier = fraud.setVerification(admin.actor(), userId, request.verified());
        return new VerificationResponse(userId, tier);
    }

    @PutMapping("/v1/admin/fraud/blocked-recipients/{userId}")
    @ApiContract(access = ApiContract.Access.ADMIN)
    @Operation(
            summary = "Block payments to a user",
            description =
                    "Every payment to this user is declined (transfer_declined, reason recipient_blocked) until unblocked; reason is optional. Blocking again replaces the reason. Audited (recipient.blocked).",
            responses = @ApiResponse(responseCode = "204", description = "Payments to the user are blocked"))
    ResponseEntity<Void> block(
            @Parameter(hidden = true) AuthenticatedUser admin,
            @PathVariable UUID userId,
            @RequestBody(required = false) BlockRequest request) {
        roles.requireAdmin(admin);
        fraud.block(admin.actor(), userId, request == null ? null : request.reason());
        return ResponseEntity.noContent().build();
    }

    @DeleteMapping("/v1/admin/fraud/blocked-recipients/{userId}")
    @ApiContract(access = ApiContract.Access.ADMIN)
    @Operation(
            summary = "Allow payments to a user again",
            description =
                    "Removes the block; unblocking a user who is not blocked changes nothing. Audited (recipient.unblocked) when a block was removed.",
            responses = @ApiResponse(responseCode = "204", description = "Payments to the user are allowed"))
    ResponseEntity<Void> unblock(@Parameter(hidden = true) AuthenticatedUser admin, @PathVariable UUID userId) {
        roles.requireAdmin(admin);
        fraud.unblock(admin.actor(), userId);
        return ResponseEntity.noContent().build();
    }

    @GetMapping("/v1/admin/fraud/decisions")
    @ApiContract(access = ApiContract.Access.ADMIN_OR_SUPPORT)
    @Operation(
            summary = "Fraud decisions for a sender, newest first",
            description =
                    "Every decision the fraud check took on payments of sender_id, with its reasons and latency; limit is 1-100 (default 20).")
    DecisionPage decisions(
            @Parameter(hidden = true) AuthenticatedUser admin,
            @RequestParam("sender_id") UUID senderId,
            @RequestParam(defaultValue = "20") int limit) {
        roles.require(admin, Role.ADMIN, Role.SUPPORT);
        if (limit < 1 || limit > MAX_PAGE_SIZE) {
            throw new ProblemException(
                    ProblemCode.VALIDATION_FAILED, "limit must be between 1 and " + MAX_PAGE_SIZE + ".");
        }
        return new DecisionPage(fraud.decisions(senderId, limit));
    }
}
