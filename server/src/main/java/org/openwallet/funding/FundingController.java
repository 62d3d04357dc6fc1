package org.openwallet.funding;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletResponse;
import java.util.List;
import java.util.UUID;
import org.openwallet.fraud.Freezes;
import org.openwallet.identity.AuthenticatedUser;
import org.openwallet.platform.web.ApiContract;
import org.openwallet.platform.web.ProblemCode;
import org.openwallet.platform.web.ProblemException;
import org.openwallet.platform.web.ProblemHandler;
import org.openwallet.ratelimit.RateLimits;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
@Tag(name = "Funding", description = "Linked bank accounts; loading money from them and cashing out to them")
class FundingController {
    private final BankAccounts accounts;
    private final Funding funding;
    private final BankSubmitter submitter;
    private final BankAccountVerification verification;
    private final RateLimits rateLimits;
    private final Freezes freezes;

    FundingController(
            BankAccounts accounts,
            Funding funding,
            BankSubmitter submitter,
            BankAccountVerification verification,
            RateLimits rateLimits,
            Freezes freezes) {
        this.accounts = accounts;
        this.funding = funding;
        this.submitter = submitter;
        this.verification = verification;
        this.rateLimits = rateLimits;
        this.freezes = freezes;
    }

    record LinkRequest(String routingNumber, String accountNumber, String holderName) {}

    record VerifyRequest(List<String> amounts) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record BankAccountView(UUID id, String bankName, String last4, String holderName, String status, String createdAt) {
        static BankAccountView of(BankAccounts.BankAccount account) {
            return new BankAccountView(
                    account.id(),
                    account.bankName(),
                    account.last4(),
                    account.holderName(),
                    account.status(),
                    account.createdAt().toString());
        }
    }

    record BankAccountList(List<BankAccountView> items) {}

    @PostMapping(path = "/v1/bank-accounts", consumes = MediaType.APPLICATION_JSON_VALUE)
    @ApiContract(
            rateLimited = true,
            problems = {
                ProblemCode.ACCOUNT_FROZEN,
                ProblemCode.BANK_ACCOUNT_LIMIT_REACHED,
                ProblemCode.BANK_ACCOUNT_IN_USE,
                ProblemCode.BANK_ACCOUNT_LOCKED
            })
    @Operation(
            summary = "Link a bank account",
            description = """
            The routing number must pass the ABA checksum; the account number (4-17 digits) is stored \
            encrypted and never shown again, only its last four digits. Linking the same account again \
            returns it (200). A new account is pending_verification: the bank sends it two micro-deposits \
            (0.01 to 0.99) that the owner confirms with POST /v1/bank-accounts/{id}/verify; until then it \
            cannot be used.""",
            responses = {
                @ApiResponse(responseCode = "201", description = "Linked, pending_verification"),
                @ApiResponse(responseCode = "200", description = "Already linked"),
                @ApiResponse(
                        responseCode = "409",
                        description = "bank_account_limit_reached; bank_account_in_use: another user holds it verified")
            })
    ResponseEntity<BankAccountView> link(
            @Parameter(hidden = true) AuthenticatedUser user,
            @RequestBody LinkRequest request,
            HttpServletResponse response) {
        freezes.refuseIfFrozen(user.userId(), "link a bank account");
        // Validated before the limit: a malformed request is a 400 and costs no token.
        BankAccounts.requireValidLink(request.routingNumber(), request.accountNumber(), request.holderName());
        rateLimits.checkBankLink(user.userId(), response);
        BankAccounts.Linked linked =
                accounts.link(user.userId(), request.routingNumber(), request.accountNumber(), request.holderName());
        verification.sendMicroDeposits(linked.account().id());
        BankAccounts.BankAccount account =
                accounts.find(user.userId(), linked.account().id()).orElseThrow();
        return ResponseEntity.status(linked.created() ? HttpStatus.CREATED : HttpStatus.OK)
                .body(BankAccountView.of(account));
    }

    @PostMapping(path = "/v1/bank-accounts/{id}/verify", consumes = MediaType.APPLICATION_JSON_VALUE)
    @ApiContract(
            problems = {
                ProblemCode.NOT_FOUND,
                ProblemCode.BANK_ACCOUNT_LOCKED,
                ProblemCode.BANK_ACCOUNT_IN_USE,
                ProblemCode.VERIFICATION_AMOUNTS_MISMATCH,
                ProblemCode.BANK_ACCOUNT_UNVERIFIED
            })
    @Operation(
            summary = "Verify a bank account with its two micro-deposits",
            description = """
            amounts: the two micro-deposits as they appear on the bank statement, in either order \
            (e.g. ["0.32", "0.45"]). After 3 wrong answers the account is verification_failed and must be \
            linked again. Verifying an account that is verified already answers 200.""",
            responses = {
                @ApiResponse(responseCode = "200", description = "Verified: status active"),
                @ApiResponse(responseCode = "400", description = "validation_failed: not two amounts of 0.01 to 0.99"),
                @ApiResponse(responseCode = "409", description = "bank_account_locked; bank_account_in_use"),
                @ApiResponse(
                        responseCode = "422",
                        description = "verification_amounts_mismatch (attempts left in the detail); "
                                + "bank_account_unverified: the micro-deposits are not sent yet")
            })
    BankAccountView verify(
            @Parameter(hidden = true) AuthenticatedUser user,
            @PathVariable String id,
            @RequestBody VerifyRequest request) {
        UUID accountId = id(id, "bank account");
        switch (verification.verify(user.userId(), accountId, request.amounts())) {
            case BankAccountVerification.Outcome.Verified verified -> {
                return BankAccountView.of(
                        accounts.find(user.userId(), accountId).orElseThrow());
            }
            case BankAccountVerification.Outcome.Wrong wrong
            when wrong.attemptsLeft() > 0 ->
                throw new ProblemException(
                        ProblemCode.VERIFICATION_AMOUNTS_MISMATCH,
                        "These are not the micro-deposits sent to this account; " + wrong.attemptsLeft()
                                + (wrong.attemptsLeft() == 1 ? " attempt" : " attempts") + " left.");
            case BankAccountVerification.Outcome.Wrong locked ->
                throw new ProblemException(
                        ProblemCode.BANK_ACCOUNT_LOCKED,
                        "These are not the micro-deposits sent to this account, and that was the last attempt: link the account again.");
            case BankAccountVerification.Outcome.Locked locked ->
                throw new ProblemException(
                        ProblemCode.BANK_ACCOUNT_LOCKED,
                        "This account could not be verified; link it again to get new micro-deposits.");
            case BankAccountVerification.Outcome.NotSent notSent ->
                throw new ProblemException(
                        ProblemCode.BANK_ACCOUNT_UNVERIFIED,
                        "The micro-deposits have not been sent yet (the bank could not be reached); link the account again to send them.");
        }
    }

    @GetMapping("/v1/bank-accounts")
    @ApiContract
    @Operation(
            summary = "Your linked bank accounts",
            description =
                    "Each with its bank name, the last four digits of its number and its status (pending_verification, active or verification_failed).")
    BankAccountList list(@Parameter(hidden = true) AuthenticatedUser user) {
        return new BankAccountList(
                accounts.list(user.userId()).stream().map(BankAccountView::of).toList());
    }

    @DeleteMapping("/v1/bank-accounts/{id}")
    @ApiContract(problems = ProblemCode.NOT_FOUND)
    @Operation(
            summary = "Unlink a bank account",
            description = "Deposits and withdrawals already made with it go on.",
            responses = {
                @ApiResponse(responseCode = "204", description = "Unlinked (or unlinked before)"),
                @ApiResponse(responseCode = "404", description = "not_found: not one of yours")
            })
    ResponseEntity<Void> unlink(@Parameter(hidden = true) AuthenticatedUser user, @PathVariable String id) {
        UUID accountId = id(id, "bank account");
        if (accounts.find(user.userId(), accountId).isEmpty()) {
            throw new ProblemException(ProblemCode.NOT_FOUND, "No bank account " + id + ".");
        }
        accounts.remove(user.userId(), accountId);
        return ResponseEntity.noContent().build();
    }

    @PostMapping(path = "/v1/funding/deposit", consumes = MediaType.APPLICATION_JSON_VALUE)
    @ApiContract(
            problems = {
                ProblemCode.NOT_FOUND,
                ProblemCode.BANK_ACCOUNT_UNVERIFIED,
                ProblemCode.INVALID_AMOUNT,
                ProblemCode.CURRENCY_MISMATCH
            })
    @Operation(
            summary = "Load money from a linked bank account",
            description = """
            202: the deposit is pending. The amount shows as pending at once and becomes available when \
            the bank settles it (or disappears if the bank fails it). Idempotent by Idempotency-Key.""",
            responses = {
                @ApiResponse(
                        responseCode = "202",
                        description = "Pending",
                        content = @Content(schema = @Schema(implementation = FundingView.class))),
                @ApiResponse(responseCode = "404", description = "not_found: no such linked bank account")
            })
    ResponseEntity<byte[]> deposit(
            @Parameter(hidden = true) AuthenticatedUser user,
            @Parameter(hidden = true) @RequestHeader(name = "Idempotency-Key", required = false) String key,
            @RequestBody Funding.Order order) {
        return respond(funding.deposit(user, key, order));
    }

    @PostMapping(path = "/v1/funding/withdrawals", consumes = MediaType.APPLICATION_JSON_VALUE)
    @ApiContract(
            rateLimited = true,
            problems = {
                ProblemCode.ACCOUNT_FROZEN,
                ProblemCode.NOT_FOUND,
                ProblemCode.INSUFFICIENT_FUNDS,
                ProblemCode.ACCOUNT_IN_DEBT,
                ProblemCode.FUNDS_ON_HOLD,
                ProblemCode.WITHDRAWAL_LIMIT_EXCEEDED,
                ProblemCode.BANK_ACCOUNT_UNVERIFIED,
                ProblemCode.INVALID_AMOUNT,
                ProblemCode.CURRENCY_MISMATCH
            })
    @Operation(
            summary = "Cash out to a linked bank account",
            description = """
            202: the withdrawal is pending and its amount is held at once (available falls), so it cannot \
            be spent twice. speed: standard (free) or instant (a fee of 1.75 %, within the currency's \
            configured minimum and maximum, USD 0.25 to 25.00; refunded if the withdrawal fails). A failed or returned withdrawal gives the money back.""",
            responses = {
                @ApiResponse(
                        responseCode = "202",
                        description = "Pending, funds held",
                        content = @Content(schema = @Schema(implementation = FundingView.class))),
                @ApiResponse(
                        responseCode = "403",
                        description = "account_frozen (not remembered: after unfreezing, the same key works)"),
                @ApiResponse(responseCode = "404", description = "not_found: no such linked bank account"),
                @ApiResponse(
                        responseCode = "422",
                        description =
                                "insufficient_funds, account_in_debt, funds_on_hold, withdrawal_limit_exceeded "
                                        + "(reason: weekly_limit or velocity), bank_account_unverified, invalid_amount, currency_mismatch, idempotency_key_reused")
            })
    ResponseEntity<byte[]> withdraw(
            @Parameter(hidden = true) AuthenticatedUser user,
            @Parameter(hidden = true) @RequestHeader(name = "Idempotency-Key", required = false) String key,
            @RequestBody Funding.Order order,
            HttpServletResponse response) {
        freezes.refuseIfFrozen(user.userId(), "withdraw");
        return respond(funding.withdraw(user, key, order, () -> rateLimits.checkWithdrawal(user.userId(), response)));
    }

    @GetMapping("/v1/funding/deposits/{id}")
    @ApiContract(problems = ProblemCode.NOT_FOUND)
    @Operation(
            summary = "One of your deposits",
            description =
                    "Its status (pending, settled, failed or returned, with the bank's reason_code when it failed or was returned), amount and bank account.")
    FundingView deposit(@Parameter(hidden = true) AuthenticatedUser user, @PathVariable String id) {
        return funding.find(user.userId(), FundingRequest.DEPOSIT, id(id, "deposit"))
                .orElseThrow(() -> new ProblemException(ProblemCode.NOT_FOUND, "No deposit " + id + "."));
    }

    @GetMapping("/v1/funding/deposits")
    @ApiContract
    @Operation(
            summary = "Your deposits, newest first",
            description =
                    "limit is 1-100 (default 20); pass next_cursor back as cursor for the next page; it is absent on the last page.")
    Funding.Page deposits(
            @Parameter(hidden = true) AuthenticatedUser user,
            @RequestParam(defaultValue = "20") int limit,
            @RequestParam(required = false) String cursor) {
        return funding.list(user.userId(), FundingRequest.DEPOSIT, limit, cursor);
    }

    @GetMapping("/v1/funding/withdrawals/{id}")
    @ApiContract(problems = ProblemCode.NOT_FOUND)
    @Operation(
            summary = "One of your withdrawals",
            description =
                    "Its status (pending, settled, failed or returned, with the bank's reason_code), amount, fee, speed and bank account.")
    FundingView withdrawal(@Parameter(hidden = true) AuthenticatedUser user, @PathVariable String id) {
        return funding.find(user.userId(), FundingRequest.WITHDRAWAL, id(id, "withdrawal"))
                .orElseThrow(() -> new ProblemException(ProblemCode.NOT_FOUND, "No withdrawal " + id + "."));
    }

    @GetMapping("/v1/funding/withdrawals")
    @ApiContract
    @Operation(
            summary = "Your withdrawals, newest first",
            description =
                    "limit is 1-100 (default 20); pass next_cursor back as cursor for the next page; it is absent on the last page.")
    Funding.Page withdrawals(
            @Parameter(hidden = true) AuthenticatedUser user,
            @RequestParam(defaultValue = "20") int limit,
            @RequestParam(required = false) String cursor) {
        return funding.list(user.userId(), FundingRequest.WITHDRAWAL, limit, cursor);
    }

    /** Sends a new request to the bank once it is committed; a replay was sent the first time. */
    private ResponseEntity<byte[]> respond(Funding.Response response) {
        if (response.createdRequestId() != null) {
            submitter.submitSoon(response.createdRequestId());
        }
        ResponseEntity.BodyBuilder builder = ResponseEntity.status(response.status())
                .contentType(response.status() < 400 ? MediaType.APPLICATION_JSON : ProblemHandler.PROBLEM_JSON);
        if (response.replayed()) {
            builder.header("Idempotent-Replayed", "true");
        }
        return builder.body(response.body());
    }

    private static UUID id(String id, String what) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException notUuid) {
            throw new ProblemException(ProblemCode.NOT_FOUND, "No " + what + " " + id + ".");
        }
    }
}
