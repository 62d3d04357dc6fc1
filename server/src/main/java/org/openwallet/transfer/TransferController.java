package org.openwallet.transfer;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.UUID;
import org.openwallet.identity.AuthenticatedUser;
import org.openwallet.platform.web.ApiContract;
import org.openwallet.platform.web.ClientAddress;
import org.openwallet.platform.web.ProblemCode;
import org.openwallet.platform.web.ProblemException;
import org.openwallet.platform.web.ProblemHandler;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
@Tag(name = "Transfers", description = "Pay another user instantly")
class TransferController {
    private final Transfers transfers;
    private final TransferVisibility visibility;
    private final TransferHistory history;
    private final ClientAddress clientAddress;

    TransferController(
            Transfers transfers, TransferVisibility visibility, TransferHistory history, ClientAddress clientAddress) {
        this.transfers = transfers;
        this.visibility = visibility;
        this.history = history;
        this.clientAddress = clientAddress;
    }

    @PostMapping(path = "/v1/transfers", consumes = MediaType.APPLICATION_JSON_VALUE)
    @ApiContract(
            rateLimited = true,
            problems = {
                ProblemCode.TRANSFER_DECLINED,
                ProblemCode.RECIPIENT_NOT_FOUND,
                ProblemCode.INSUFFICIENT_FUNDS,
                ProblemCode.ACCOUNT_IN_DEBT,
                ProblemCode.SELF_TRANSFER,
                ProblemCode.INVALID_AMOUNT,
                ProblemCode.CURRENCY_MISMATCH
            })
    @Operation(
            summary = "Pay another user",
            description = """
            Moves money from the caller's wallet to another user's, at once. Retrying with the same \
            Idempotency-Key and body returns the first response again (header Idempotent-Replayed: true) \
            and never moves money twice.""",
            responses = {
                @ApiResponse(
                        responseCode = "201",
                        description = "Posted",
                        content = @Content(schema = @Schema(implementation = TransferView.class))),
                @ApiResponse(
                        responseCode = "403",
                        description =
                                "transfer_declined, with a reason: velocity_exceeded, weekly_limit_exceeded, "
                                        + "ip_blocked, new_ip_large_amount, new_recipient_large_amount, recipient_blocked, sender_frozen, recipient_frozen")
            })
    ResponseEntity<byte[]> create(
            @Parameter(hidden = true) AuthenticatedUser user,
            @Parameter(hidden = true) @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey,
            @RequestBody TransferRequest request,
            HttpServletRequest http,
            HttpServletResponse servletResponse) {
        // The rate limits are applied inside, after validation and the duplicate check.
        Transfers.Response response =
                transfers.create(user, idempotencyKey, request, clientAddress.of(http), servletResponse);
        ResponseEntity.BodyBuilder builder = ResponseEntity.status(response.status())
                .contentType(response.status() < 400 ? MediaType.APPLICATION_JSON : ProblemHandler.PROBLEM_JSON);
        if (response.replayed()) {
            builder.header("Idempotent-Replayed", "true");
        }
        return builder.body(response.body());
    }

    @GetMapping("/v1/transfers/{id}")
    @ApiContract(problems = ProblemCode.NOT_FOUND)
    @Operation(
            summary = "One transfer the caller took part in",
            description =
                    "Another user's transfer and one that does not exist both answer 404 not_found, so ids reveal nothing.",
            responses = {
                @ApiResponse(responseCode = "200", description = "The transfer"),
                @ApiResponse(
                        responseCode = "404",
                        description = "not_found: no such transfer, or the caller is not a party")
            })
    TransferView get(@Parameter(hidden = true) AuthenticatedUser user, @PathVariable String id) {
        // Not a party and not existing look the same, so ids reveal nothing about other users.
        return history.find(user, transferId(id))
                .orElseThrow(() -> new ProblemException(ProblemCode.NOT_FOUND, "No transfer " + id + "."));
    }

    record VisibilityChange(String visibility) {}

    @PatchMapping(path = "/v1/transfers/{id}", consumes = MediaType.APPLICATION_JSON_VALUE)
    @ApiContract(problems = {ProblemCode.NOT_FOUND, ProblemCode.VISIBILITY_NOT_NARROWER, ProblemCode.TRANSFER_NOT_P2P})
    @Operation(
            summary = "Make a transfer more private",
            description = """
            Either party may narrow who sees a transfer in feeds (public > friends > private); nobody can             widen it again, so the more private choice of the two wins. Setting the current visibility             changes nothing. Feeds follow within moments.""",
            responses = {
                @ApiResponse(responseCode = "200", description = "The transfer with its visibility now"),
                @ApiResponse(
                        responseCode = "404",
                        description = "not_found: no such transfer, or the caller is not a party"),
                @ApiResponse(responseCode = "409", description = "visibility_not_narrower: it is already more private"),
                @ApiResponse(
                        responseCode = "422",
                        description =
                                "transfer_not_p2p: a deposit, withdrawal, fee or system funding has no visibility")
            })
    TransferView narrowVisibility(
            @Parameter(hidden = true) AuthenticatedUser user,
            @PathVariable String id,
            @RequestBody VisibilityChange change) {
        return visibility
                .narrow(user, transferId(id), change.visibility())
                .orElseThrow(() -> new ProblemException(ProblemCode.NOT_FOUND, "No transfer " + id + "."));
    }

    private static UUID transferId(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException notUuid) {
            throw new ProblemException(ProblemCode.NOT_FOUND, "No transfer " + id + ".");
        }
    }

    @GetMapping("/v1/transfers")
    @ApiContract
    @Operation(
            summary = "The caller's transfers, newest first",
            description = "Pass next_cursor back as cursor for the next page; it is absent on the last page.")
    TransferHistory.Page list(
            @Parameter(hidden = true) AuthenticatedUser user,
            @RequestParam(defaultValue = "20") int limit,
            @RequestParam(required = false) String cursor) {
        return history.page(user, limit, cursor);
    }
}
