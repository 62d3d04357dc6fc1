package org.openwallet.funding;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.Map;
import org.openwallet.platform.web.ApiContract;
import org.openwallet.platform.web.ProblemCode;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /v1/webhooks/bank}: the bank's outcomes, handed to {@link BankWebhookIntake}, which
 * answers 2xx only once the event is durably in {@code bank.events}.
 */
@RestController
@Tag(name = "Bank webhooks", description = "Outcomes of deposits and withdrawals, from the bank network")
class BankWebhookController {
    private final BankWebhookIntake intake;

    BankWebhookController(BankWebhookIntake intake) {
        this.intake = intake;
    }

    @PostMapping("/v1/webhooks/bank")
    @ApiContract(access = ApiContract.Access.PUBLIC, problems = ProblemCode.INVALID_SIGNATURE)
    @Operation(
            summary = "An outcome from the bank (signed)",
            description = """
            Header Bank-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body"> under the shared secret. \
            2xx only once the event is durably in Kafka.""",
            responses = {
                @ApiResponse(responseCode = "200", description = "Taken (or taken before: a duplicate)"),
                @ApiResponse(
                        responseCode = "400",
                        description =
                                "validation_failed: not a bank event (a field missing or malformed, e.g. an amount that is not a two-decimal string)"),
                @ApiResponse(
                        responseCode = "401",
                        description = "invalid_signature: missing, wrong or stale signature; nothing happens"),
                @ApiResponse(responseCode = "503", description = "service_unavailable: Kafka did not take it; retry")
            })
    ResponseEntity<Map<String, String>> receive(
            @RequestHeader(name = "Bank-Signature", required = false) String signature, @RequestBody byte[] body) {
        String status = switch (intake.receive(signature, body)) {
            case ACCEPTED -> "accepted";
            case DUPLICATE -> "duplicate";
        };
        return ResponseEntity.ok(Map.of("status", status));
    }
}
