package org.openwallet.fraud;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.Optional;
import java.util.UUID;
import org.openwallet.identity.AuthenticatedUser;
import org.openwallet.identity.Role;
import org.openwallet.identity.Roles;
import org.openwallet.platform.web.ApiContract;
import org.openwallet.platform.web.ProblemCode;
import org.openwallet.platform.web.ProblemException;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * Admin-only: freezing a user. A frozen user cannot send, be paid, withdraw or link a bank account;
 * deposits already on their way still settle. Both directions are audited with the state before and
 * after. Idempotent: freezing a frozen user with the same reason changes nothing and audits nothing;
 * with another reason it records the new reason (audited); unfreezing a user who is not frozen
 * changes nothing.
 */
@RestController
@Tag(name = "Admin: fraud")
class FreezeAdminController {
    private final Freezes freezes;
    private final Roles roles;

    FreezeAdminController(Freezes freezes, Roles roles) {
        this.freezes = freezes;
        this.roles = roles;
    }

    record FreezeRequest(String reason) {}

    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    record FreezeView(UUID userId, boolean frozen, String reason, UUID frozenBy, String frozenAt) {
        static FreezeView of(UUID userId, Optional<Freezes.Freeze> freeze) {
            return freeze.map(found -> new FreezeView(
                            userId,
                            true,
                            found.reason(),
                            found.frozenBy(),
                            found.frozenAt().toString()))
                    .orElse(new FreezeView(userId, false, null, null, null));
        }
    }

    @PutMapping(path = "/v1/admin/users/{userId}/freeze", consumes = MediaType.APPLICATION_JSON_VALUE)
    @ApiContract(access = ApiContract.Access.ADMIN, problems = ProblemCode.USER_NOT_FOUND)
    @Operation(
            summary = "Freeze a user",
            description = """
            The user can no longer send, be paid, withdraw or link a bank account; deposits already on \
            their way still settle. Freezing again with the same reason changes nothing; with another \
            reason, the reason is replaced.""",
            responses = {
                @ApiResponse(responseCode = "200", description = "Frozen"),
                @ApiResponse(
                        responseCode = "400",
                        description = "validation_failed: reason missing, too long or with control characters"),
                @ApiResponse(responseCode = "403", description = "forbidden: not an admin")
            })
    FreezeView freeze(
            @Parameter(hidden = true) AuthenticatedUser admin,
            @PathVariable UUID userId,
            @RequestBody(required = false) FreezeRequest request) {
        roles.requireAdmin(admin);
        String reason = request == null || request.reason() == null
                ? ""
                : request.reason().strip();
        if (reason.isEmpty()
                || reason.codePointCount(0, reason.length()) > Freezes.MAX_REASON_LENGTH
                || reason.chars().anyMatch(Character::isISOControl)) {
            throw new ProblemException(
                    ProblemCode.VALIDATION_FAILED,
                    "reason is required: 1 to " + Freezes.MAX_REASON_LENGTH
                            + " characters, without control characters.");
        }
        return FreezeView.of(userId, Optional.of(freezes.freeze(admin.actor(), admin.userId(), userId, reason)));
    }

    @DeleteMapping("/v1/admin/users/{userId}/freeze")
    @ApiContract(access = ApiContract.Access.ADMIN, problems = ProblemCode.USER_NOT_FOUND)
    @Operation(
            summary = "Unfreeze a user",
            description =
                    "Everything a freeze stopped works again. Unfreezing a user who is not frozen changes nothing.",
            responses = {
                @ApiResponse(responseCode = "204", description = "Not frozen (any more)"),
                @ApiResponse(responseCode = "403", description = "forbidden: not an admin")
            })
    ResponseEntity<Void> unfreeze(@Parameter(hidden = true) AuthenticatedUser admin, @PathVariable UUID userId) {
        roles.requireAdmin(admin);
        freezes.unfreeze(admin.actor(), userId);
        return ResponseEntity.noContent().build();
    }

    @GetMapping("/v1/admin/users/{userId}/freeze")
    @ApiContract(access = ApiContract.Access.ADMIN_OR_SUPPORT)
    @Operation(
            summary = "Whether a user is frozen, why and since when (admin or support)",
            description = "frozen is false, with no reason, for a user who is not frozen (or does not exist).")
    FreezeView find(@Parameter(hidden = true) AuthenticatedUser admin, @PathVariable UUID userId) {
        roles.require(admin, Role.ADMIN, Role.SUPPORT);
        return FreezeView.of(userId, freezes.find(userId));
    }
}
