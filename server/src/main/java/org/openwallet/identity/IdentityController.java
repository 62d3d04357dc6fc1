package org.openwallet.identity;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.UUID;
import org.openwallet.platform.ProblemCode;
import org.openwallet.platform.ProblemException;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

@RestController
@Tag(name = "Identity", description = "Sign-up and login")
class IdentityController {
    private final Identity identity;

    IdentityController(Identity identity) {
        this.identity = identity;
    }

    record SignUpRequest(String handle, String password, String email) {
    }

    record SignUpResponse(UUID userId, String handle) {
    }

    record LoginRequest(String handle, String password) {
    }

    record LoginResponse(String accessToken, String tokenType, long expiresIn) {
    }

    @PostMapping("/v1/auth/signup")
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "Create a user and their wallet", responses = {
            @ApiResponse(responseCode = "201", description = "Created"),
            @ApiResponse(responseCode = "400", description = "validation_failed"),
            @ApiResponse(responseCode = "409", description = "handle_taken")})
    SignUpResponse signUp(@RequestBody SignUpRequest request) {
        UserSummary user = identity.signUp(request.handle(), request.password(), request.email());
        return new SignUpResponse(user.id(), user.handle());
    }

    @PostMapping("/v1/auth/login")
    @Operation(summary = "Exchange handle and password for a bearer token", responses = {
            @ApiResponse(responseCode = "200", description = "A bearer token"),
            @ApiResponse(responseCode = "401", description = "invalid_credentials (same for an unknown handle)")})
    LoginResponse logIn(@RequestBody LoginRequest request) {
        return identity.logIn(request.handle(), request.password())
                .map(token -> new LoginResponse(token.value(), "Bearer", token.expiresInSeconds()))
                .orElseThrow(() -> new ProblemException(ProblemCode.INVALID_CREDENTIALS, "Handle or password is wrong."));
    }
}
