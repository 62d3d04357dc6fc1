package org.openwallet.funding;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.UUID;
import org.openwallet.identity.AuthenticatedUser;
import org.openwallet.identity.Roles;
import org.openwallet.platform.web.ApiContract;
import org.openwallet.platform.web.ProblemCode;
import org.openwallet.platform.web.ProblemException;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * Admin-only: allow one user to link an account number that another user already holds verified
 * (a joint account, after support has checked it). Only the routing number and the number's keyed
 * fingerprint are kept; the audit log records the last four digits.
 */
@RestController
@Tag(name = "Admin: bank accounts", description = "Allowances to link an account number another user holds")
class BankAccountAdminController {
    private final BankAccounts accounts;
    private final Roles roles;

    BankAccountAdminController(BankAccounts accounts, Roles roles) {
        this.accounts = accounts;
        this.roles = roles;
    }

    record AllowanceRequest(UUID userId, String routingNumber, String accountNumber) {}

    record AllowanceView(UUID userId, String routingNumber, String last4) {}

    @PostMapping(path = "/v1/admin/bank-account-allowances", consumes = MediaType.APPLICATION_JSON_VALUE)
    @ApiContract(access = ApiContract.Access.ADMIN, problems = ProblemCode.USER_NOT_FOUND)
    @Operation(
            summary = "Allow a user to link an account number another user holds verified",
            description =
                    "For a joint account, after support has checked it: the user may then link (and verify) routing_number and account_number although another user holds them verified. Allowing again changes nothing (200). Audited (bank_account_allowance.granted) with the last four digits only.",
            responses = {
                @ApiResponse(responseCode = "201", description = "Allowed"),
                @ApiResponse(responseCode = "200", description = "Allowed before"),
                @ApiResponse(responseCode = "403", description = "forbidden: admins only")
            })
    ResponseEntity<AllowanceView> allow(
            @Parameter(hidden = true) AuthenticatedUser admin, @RequestBody AllowanceRequest request) {
        roles.requireAdmin(admin);
        if (request.userId() == null
                || !RoutingNumbers.isValid(request.routingNumber())
                || request.accountNumber() == null
                || !request.accountNumber().matches("[0-9]{4,17}")) {
            throw new ProblemException(
                    ProblemCode.VALIDATION_FAILED,
                    "user_id, a valid routing_number and account_number (4 to 17 digits) are required.");
        }
        boolean created = accounts.allowLinking(
                admin.actor(), admin.userId(), request.userId(), request.routingNumber(), request.accountNumber());
        return ResponseEntity.status(created ? HttpStatus.CREATED : HttpStatus.OK)
                .body(new AllowanceView(
                        request.userId(), request.routingNumber(), BankAccounts.last4(request.accountNumber())));
    }
}
