package org.openwallet.identity;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.List;
import java.util.UUID;
import org.openwallet.audit.AuditLog;
import org.openwallet.platform.web.ApiContract;
import org.openwallet.platform.web.Cursors;
import org.openwallet.platform.web.ProblemCode;
import org.openwallet.platform.web.ProblemException;
import org.springframework.boot.health.actuate.endpoint.HealthDescriptor;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Admins read the audit log, newest first, optionally for one target, and the health of every
 * component (the public {@code /actuator/health} answers the status alone; the management port,
 * bound to loopback, has the same details for operators on the host).
 */
@RestController
@Tag(name = "Admin: audit", description = "The audit log and the health of every component, for admins")
class AdminController {
    private final Roles roles;
    private final AuditLog audit;
    private final HealthEndpoint health;

    AdminController(Roles roles, AuditLog audit, HealthEndpoint health) {
        this.roles = roles;
        this.audit = audit;
        this.health = health;
    }

    @GetMapping("/v1/admin/health")
    @ApiContract(access = ApiContract.Access.ADMIN)
    @Operation(
            summary = "The health of every component with its details (admins only)",
            description =
                    "The same document as /actuator/health on the management port: each component's status and details.")
    HealthDescriptor health(@Parameter(hidden = true) AuthenticatedUser admin) {
        roles.requireAdmin(admin);
        return health.health();
    }

    record AuditPage(List<AuditLog.Entry> items, String nextCursor) {}

    @GetMapping("/v1/admin/audit")
    @ApiContract(access = ApiContract.Access.ADMIN)
    @Operation(
            summary = "The audit log, newest first: who did what to which target, with the state before and after",
            description =
                    "Optionally only the entries of one target (target_type and target_id). limit is 1-100 (default 20); pass next_cursor back as cursor for the next page.")
    AuditPage audit(
            @Parameter(hidden = true) AuthenticatedUser admin,
            @RequestParam(name = "target_type", required = false) String targetType,
            @RequestParam(name = "target_id", required = false) String targetId,
            @RequestParam(required = false) String cursor,
            @RequestParam(defaultValue = "20") int limit) {
        roles.requireAdmin(admin);
        if (limit < 1 || limit > AuditLog.MAX_PAGE_SIZE) {
            throw new ProblemException(
                    ProblemCode.VALIDATION_FAILED, "limit must be between 1 and " + AuditLog.MAX_PAGE_SIZE + ".");
        }
        UUID before = cursor == null ? null : Cursors.decode(cursor);
        List<AuditLog.Entry> items = audit.page(targetType, targetId, before, limit);
        String next = items.size() == limit ? Cursors.encode(items.getLast().id()) : null;
        return new AuditPage(items, next);
    }
}
