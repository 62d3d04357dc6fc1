package org.openwallet.identity;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.List;
import java.util.UUID;
import org.openwallet.platform.web.ApiContract;
import org.openwallet.platform.web.ClientAddress;
import org.openwallet.platform.web.ProblemCode;
import org.openwallet.platform.web.ProblemException;
import org.openwallet.ratelimit.RateLimits;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

@RestController
@Tag(
        name = "Sessions",
        description = "Refresh tokens, logout, password change, and the sessions a user can see and end")
class SessionController {
    private final Sessions sessions;
    private final PasswordChanges passwordChanges;
    private final RateLimits rateLimits;
    private final ClientAddress clientAddress;

    SessionController(
            Sessions sessions, PasswordChanges passwordChanges, RateLimits rateLimits, ClientAddress clientAddress) {
        this.clientAddress = clientAddress;
        this.sessions = sessions;
        this.passwordChanges = passwordChanges;
        this.rateLimits = rateLimits;
    }

    record RefreshRequest(String refreshToken) {}

    record PasswordRequest(String oldPassword, String newPassword) {}

    record SessionView(UUID id, String device, String ip, String createdAt, String lastUsedAt, boolean current) {}

    record SessionList(List<SessionView> sessions) {}

    @PostMapping("/v1/auth/refresh")
    @ApiContract(access = ApiContract.Access.PUBLIC, problems = ProblemCode.UNAUTHORIZED)
    @Operation(
            summary = "Exchange a refresh token for a new access token and refresh token",
            description = """
            Needs no bearer token. The refresh token sent is retired: send the new one next time. A retired \
            refresh token sent again ends its whole session (it was stolen, or the client is broken): both \
            parties must log in again.""",
            responses = {
                @ApiResponse(responseCode = "200", description = "A new pair, as login answers"),
                @ApiResponse(responseCode = "400", description = "validation_failed: no refresh_token"),
                @ApiResponse(
                        responseCode = "401",
                        description = "unauthorized: unknown, expired or retired refresh token, or an ended session")
            })
    IdentityController.LoginResponse refresh(@RequestBody RefreshRequest request, HttpServletRequest http) {
        if (request.refreshToken() == null || request.refreshToken().isBlank()) {
            throw new ProblemException(ProblemCode.VALIDATION_FAILED, "refresh_token is required.");
        }
        return switch (sessions.refresh(request.refreshToken(), http.getHeader("User-Agent"), clientAddress.of(http))) {
            case Sessions.Refresh.Issued issued ->
                new IdentityController.LoginResponse(
                        issued.tokens().accessToken(),
                        "Bearer",
                        issued.tokens().expiresInSeconds(),
                        issued.tokens().refreshToken(),
                        issued.tokens().refreshExpiresInSeconds());
            // One answer for every refusal: a client can only log in again, and a thief learns nothing.
            case Sessions.Refresh.Refused refused ->
                throw new ProblemException(
                        ProblemCode.UNAUTHORIZED,
                        "The refresh token is not valid, has expired, or its session has ended; log in again.");
        };
    }

    @PostMapping("/v1/auth/logout")
    @ApiContract
    @Operation(
            summary = "End the session of this access token",
            description = """
            Its refresh token stops working at once, its access tokens within seconds.""",
            responses = @ApiResponse(responseCode = "204", description = "Logged out"))
    ResponseEntity<Void> logOut(@Parameter(hidden = true) AuthenticatedUser user) {
        sessions.end(user.userId(), user.sessionId(), Sessions.Reason.LOGOUT);
        return ResponseEntity.noContent().build();
    }

    @PostMapping("/v1/auth/password")
    @ApiContract(rateLimited = true, problems = ProblemCode.INVALID_CREDENTIALS)
    @Operation(
            summary = "Change your password",
            description = """
            Needs the current password; the new one follows the sign-up rules. Every other session of yours \
            ends; this one goes on. Wrong old passwords count as failed logins (the login rate limits apply).""",
            responses = {
                @ApiResponse(responseCode = "204", description = "Changed"),
                @ApiResponse(
                        responseCode = "400",
                        description = "validation_failed: the new password breaks the rules"),
                @ApiResponse(
                        responseCode = "401",
                        description = "invalid_credentials: old_password is not your password")
            })
    ResponseEntity<Void> changePassword(
            @Parameter(hidden = true) AuthenticatedUser user,
            @RequestBody PasswordRequest request,
            HttpServletRequest http,
            HttpServletResponse response) {
        // The new password's rules first: a request that breaks them is a 400 and costs no login attempt.
        Identity.requireAcceptablePassword(request.newPassword(), "new_password");
        String ip = clientAddress.of(http);
        rateLimits.checkLogin(user.handle(), ip, response);
        return switch (passwordChanges.change(user, request.oldPassword(), request.newPassword())) {
            case CHANGED -> ResponseEntity.noContent().build();
            case WRONG_PASSWORD -> {
                rateLimits.loginFailed(user.handle(), ip);
                throw new ProblemException(ProblemCode.INVALID_CREDENTIALS, "old_password is not your password.");
            }
        };
    }

    @GetMapping("/v1/auth/sessions")
    @ApiContract
    @Operation(summary = "Your active sessions, most recently used first", description = """
            One per login. last_used_at is the login or the latest refresh; ip is the address it came from. \
            current marks the session of the token making this request.""")
    SessionList list(@Parameter(hidden = true) AuthenticatedUser user) {
        return new SessionList(sessions.list(user.userId()).stream()
                .map(session -> new SessionView(
                        session.id(),
                        session.device(),
                        session.ip(),
                        session.createdAt().toString(),
                        session.lastUsedAt().toString(),
                        session.id().equals(user.sessionId())))
                .toList());
    }

    @DeleteMapping("/v1/auth/sessions/{id}")
    @ApiContract(problems = ProblemCode.NOT_FOUND)
    @Operation(
            summary = "End one of your sessions",
            description = "Ending one that has already ended changes nothing.",
            responses = {
                @ApiResponse(responseCode = "204", description = "Ended"),
                @ApiResponse(responseCode = "404", description = "not_found: you have no such session")
            })
    ResponseEntity<Void> end(@Parameter(hidden = true) AuthenticatedUser user, @PathVariable String id) {
        UUID sessionId;
        try {
            sessionId = UUID.fromString(id);
        } catch (IllegalArgumentException notUuid) {
            throw new ProblemException(ProblemCode.NOT_FOUND, "You have no session " + id + ".");
        }
        if (!sessions.end(user.userId(), sessionId, Sessions.Reason.ENDED)) {
            throw new ProblemException(ProblemCode.NOT_FOUND, "You have no session " + id + ".");
        }
        return ResponseEntity.noContent().build();
    }
}
