package org.openwallet.identity;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.UUID;
import org.openwallet.platform.web.ApiContract;
import org.openwallet.platform.web.ClientAddress;
import org.openwallet.platform.web.ProblemCode;
import org.openwallet.platform.web.ProblemException;
import org.openwallet.ratelimit.RateLimits;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

@RestController
@Tag(name = "Identity", description = "Sign-up and login")
class IdentityController {
    private final Identity identity;
    private final RateLimits rateLimits;
    private final ClientAddress clientAddress;

    IdentityController(Identity identity, RateLimits rateLimits, ClientAddress clientAddress) {
        this.identity = identity;
        this.rateLimits = rateLimits;
        this.clientAddress = clientAddress;
    }

    record SignUpRequest(String handle, String password, String email) {}

    record SignUpResponse(UUID userId, String handle) {}

    record LoginRequest(String handle, String password) {}

    record LoginResponse(
            String accessToken, String tokenType, long expiresIn, String refreshToken, long refreshTokenExpiresIn) {}

    @PostMapping("/v1/auth/signup")
    @ApiContract(access = ApiContract.Access.PUBLIC, rateLimited = true, problems = ProblemCode.HANDLE_TAKEN)
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(
            summary = "Create a user and their wallet",
            description =
                    "handle: 3 to 30 of a-z, 0-9 and _ (unique, case-insensitive); password: 10 to 128 characters; email optional. Then log in with POST /v1/auth/login.",
            responses = {
                @ApiResponse(responseCode = "201", description = "Created"),
                @ApiResponse(responseCode = "429", description = "rate_limited: too many sign-ups from this IP"),
                @ApiResponse(
                        responseCode = "503",
                        description = "service_unavailable: too many password hashes at once (see Retry-After)")
            })
    SignUpResponse signUp(@RequestBody SignUpRequest request, HttpServletRequest http, HttpServletResponse response) {
        Identity.requireValidSignUp(request.handle(), request.password(), request.email());
        rateLimits.checkSignUp(clientAddress.of(http), response);
        UserSummary user = identity.signUp(request.handle(), request.password(), request.email());
        return new SignUpResponse(user.id(), user.handle());
    }

    @PostMapping("/v1/auth/login")
    @ApiContract(access = ApiContract.Access.PUBLIC, rateLimited = true, problems = ProblemCode.INVALID_CREDENTIALS)
    @Operation(
            summary = "Exchange handle and password for a bearer token",
            description =
                    "Opens a session: a short-lived access token (expires_in seconds) for Authorization: Bearer, and a refresh token for POST /v1/auth/refresh. A wrong password and an unknown handle answer alike; repeated failures slow further attempts for that handle and lock it for this IP for a while.",
            responses = {
                @ApiResponse(
                        responseCode = "200",
                        description = "A bearer token and a refresh token (POST /v1/auth/refresh) of a new session"),
                @ApiResponse(responseCode = "400", description = "validation_failed: no handle or no password"),
                @ApiResponse(responseCode = "401", description = "invalid_credentials (same for an unknown handle)"),
                @ApiResponse(
                        responseCode = "429",
                        description =
                                "rate_limited: too many attempts from this IP, or failures for this handle from this IP"),
                @ApiResponse(
                        responseCode = "503",
                        description = "service_unavailable: too many password hashes at once (see Retry-After)")
            })
    LoginResponse logIn(@RequestBody LoginRequest request, HttpServletRequest http, HttpServletResponse response) {
        Identity.requireLoginFields(request.handle(), request.password());
        String handle = UserDirectory.normalizeHandle(request.handle());
        String ip = clientAddress.of(http);
        rateLimits.checkLogin(handle, ip, response);
        return identity.logIn(request.handle(), request.password(), ip, http.getHeader("User-Agent"))
                .map(token -> new LoginResponse(
                        token.value(),
                        "Bearer",
                        token.expiresInSeconds(),
                        token.refreshToken(),
                        token.refreshExpiresInSeconds()))
                .orElseThrow(() -> {
                    rateLimits.loginFailed(handle, ip);
                    return new ProblemException(ProblemCode.INVALID_CREDENTIALS, "Handle or password is wrong.");
                });
    }
}
