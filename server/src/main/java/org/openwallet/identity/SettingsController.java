package org.openwallet.identity;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.openwallet.platform.web.ApiContract;
import org.openwallet.platform.web.ProblemCode;
import org.openwallet.platform.web.ProblemException;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

@RestController
@Tag(name = "Settings", description = "The caller's preferences")
class SettingsController {
    private final UserDirectory users;

    SettingsController(UserDirectory users) {
        this.users = users;
    }

    /** The settings; in a PATCH, a field left out keeps its value. */
    record Settings(String defaultVisibility) {}

    @GetMapping("/v1/users/me/settings")
    @ApiContract
    @Operation(
            summary = "The caller's settings",
            description =
                    "default_visibility: the visibility of new payments that do not name one (public, friends or private).")
    Settings get(@Parameter(hidden = true) AuthenticatedUser user) {
        return current(user);
    }

    @PatchMapping(path = "/v1/users/me/settings", consumes = MediaType.APPLICATION_JSON_VALUE)
    @ApiContract
    @Operation(
            summary = "Change the caller's settings",
            description = """
            default_visibility (public, friends or private; friends unless changed) is the visibility of \
            new payments that do not name one. Payments already made keep theirs.""",
            responses = {@ApiResponse(responseCode = "200", description = "The settings now")})
    Settings update(@Parameter(hidden = true) AuthenticatedUser user, @RequestBody Settings change) {
        if (change.defaultVisibility() != null) {
            users.setDefaultVisibility(
                    user.userId(), Visibility.parse("default_visibility", change.defaultVisibility()));
        }
        return current(user);
    }

    private Settings current(AuthenticatedUser user) {
        return users.findById(user.userId())
                .map(summary -> new Settings(summary.defaultVisibility()))
                .orElseThrow(() -> new ProblemException(ProblemCode.UNAUTHORIZED, "This user no longer exists."));
    }
}
