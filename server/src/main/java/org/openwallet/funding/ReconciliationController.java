package org.openwallet.funding;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.openwallet.audit.AuditLog;
import org.openwallet.identity.AuthenticatedUser;
import org.openwallet.identity.Role;
import org.openwallet.identity.Roles;
import org.openwallet.platform.web.ApiContract;
import org.openwallet.platform.web.ProblemCode;
import org.openwallet.platform.web.ProblemException;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

@RestController
@Tag(name = "Reconciliation (admin)", description = "The bank's settlement report against the ledger")
class ReconciliationController {
    private final Reconciliation reconciliation;
    private final Clock clock;
    private final Roles roles;
    private final AuditLog audit;

    ReconciliationController(Reconciliation reconciliation, Clock clock, Roles roles, AuditLog audit) {
        this.reconciliation = reconciliation;
        this.clock = clock;
        this.roles = roles;
        this.audit = audit;
    }

    /** {@code date}: the business day (UTC, YYYY-MM-DD); yesterday when absent. */
    record RunRequest(String date) {}

    record Runs(List<Reconciliation.Run> items) {}

    @PostMapping("/v1/admin/reconciliations")
    @ApiContract(access = ApiContract.Access.ADMIN)
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(
            summary = "Reconcile one business day now",
            description =
                    "Compares the bank's settlement report for date (UTC, YYYY-MM-DD; yesterday when absent) with the ledger and records every difference. Audited (reconciliation.run).",
            responses = {
                @ApiResponse(responseCode = "201", description = "The run and every difference found"),
                @ApiResponse(responseCode = "403", description = "forbidden: admins only")
            })
    Reconciliation.Run run(
            @Parameter(hidden = true) AuthenticatedUser user, @RequestBody(required = false) RunRequest request) {
        roles.requireAdmin(user);
        LocalDate date;
        try {
            date = request == null || request.date() == null
                    ? LocalDate.now(clock.withZone(ZoneOffset.UTC)).minusDays(1)
                    : LocalDate.parse(request.date());
        } catch (DateTimeParseException invalid) {
            throw new ProblemException(ProblemCode.VALIDATION_FAILED, "date must be YYYY-MM-DD.");
        }
        Reconciliation.Run run = reconciliation.run(date, "admin:" + user.handle());
        // The run is its own record; the audit entry says who asked for it and where to find it.
        audit.append(
                user.actor(),
                "reconciliation.run",
                "business_day",
                date,
                null,
                Map.of("run_id", run.id().toString()));
        return run;
    }

    @GetMapping("/v1/admin/reconciliations")
    @ApiContract(access = ApiContract.Access.ADMIN_OR_SUPPORT)
    @Operation(
            summary = "The latest reconciliation runs, newest first",
            description = "At most the 30 latest runs, each with its differences.")
    Runs recent(@Parameter(hidden = true) AuthenticatedUser user) {
        roles.require(user, Role.ADMIN, Role.SUPPORT);
        return new Runs(reconciliation.recent(30));
    }

    @GetMapping("/v1/admin/reconciliations/{id}")
    @ApiContract(access = ApiContract.Access.ADMIN_OR_SUPPORT, problems = ProblemCode.NOT_FOUND)
    @Operation(
            summary = "One reconciliation run with its differences",
            description = "A run by its id, as POST /v1/admin/reconciliations answered it.")
    Reconciliation.Run one(@Parameter(hidden = true) AuthenticatedUser user, @PathVariable String id) {
        roles.require(user, Role.ADMIN, Role.SUPPORT);
        try {
            return reconciliation
                    .find(UUID.fromString(id))
                    .orElseThrow(() -> new ProblemException(ProblemCode.NOT_FOUND, "No run " + id + "."));
        } catch (IllegalArgumentException notUuid) {
            throw new ProblemException(ProblemCode.NOT_FOUND, "No run " + id + ".");
        }
    }
}
