package org.openwallet.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.openwallet.Api;
import org.openwallet.WalletIntegrationTest;

/** {@code GET} and {@code PATCH /v1/users/me/settings}: the default visibility of new payments. */
class SettingsApiTest extends WalletIntegrationTest {
    private static final String PATH = "/v1/users/me/settings";

    private String defaultVisibility(Api.User user) {
        Api.Response response = api.get(PATH, user.token());
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response.json().get("default_visibility").asString();
    }

    private String stored(Api.User user) {
        return jdbc.sql("SELECT default_visibility FROM users WHERE id = ?")
                .param(user.id())
                .query(String.class)
                .single();
    }

    private static void assertProblem(Api.Response response, int status, String code) {
        assertThat(response.status()).as(response.body()).isEqualTo(status);
        assertThat(response.header("Content-Type")).startsWith("application/problem+json");
        assertThat(response.code()).as(response.body()).isEqualTo(code);
    }

    @Test
    void aNewUser_defaultsToFriends() {
        Api.User alice = api.newUser();
        Api.Response response = api.get(PATH, alice.token());
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.header("Content-Type")).startsWith("application/json");
        assertThat(response.json().get("default_visibility").asString()).isEqualTo("friends");
        assertThat(response.json().size()).as("only the settings there are").isEqualTo(1);
    }

    @Test
    void patch_changesTheCallersDefault_only() {
        Api.User alice = api.newUser();
        Api.User bob = api.newUser();
        for (String visibility : new String[] {"public", "private", "friends", "private"}) {
            Api.Response response = api.patch(PATH, alice.token(), Map.of("default_visibility", visibility));
            assertThat(response.status()).as(response.body()).isEqualTo(200);
            assertThat(response.json().get("default_visibility").asString()).isEqualTo(visibility);
            assertThat(defaultVisibility(alice)).isEqualTo(visibility);
            assertThat(stored(alice)).isEqualTo(visibility);
        }
        assertThat(defaultVisibility(bob)).as("another user's settings").isEqualTo("friends");
    }

    @Test
    void patch_withNothingToChange_keepsTheValue() {
        Api.User alice = api.newUser();
        assertThat(api.patch(PATH, alice.token(), Map.of("default_visibility", "public"))
                        .status())
                .isEqualTo(200);

        Api.Response empty = api.patch(PATH, alice.token(), Map.of());
        assertThat(empty.status()).as(empty.body()).isEqualTo(200);
        assertThat(empty.json().get("default_visibility").asString()).isEqualTo("public");
        assertThat(defaultVisibility(alice)).isEqualTo("public");
    }

    @Test
    void patch_withAnInvalidValue_is400_andKeepsTheValue() {
        Api.User alice = api.newUser();
        assertThat(api.patch(PATH, alice.token(), Map.of("default_visibility", "private"))
                        .status())
                .isEqualTo(200);

        assertProblem(
                api.patch(PATH, alice.token(), Map.of("default_visibility", "everyone")), 400, "validation_failed");
        assertProblem(api.patch(PATH, alice.token(), Map.of("default_visibility", "Public")), 400, "validation_failed");
        assertProblem(api.patch(PATH, alice.token(), Map.of("default_visibility", "")), 400, "validation_failed");
        assertProblem(api.patch(PATH, alice.token(), "{\"default_visibility\": 1}"), 400, "validation_failed");
        assertProblem(
                api.patch(PATH, alice.token(), "{\"default_visibility\": [\"public\"]}"), 400, "validation_failed");
        assertProblem(api.patch(PATH, alice.token(), "{not json"), 400, "validation_failed");
        assertThat(defaultVisibility(alice)).isEqualTo("private");
    }

    @Test
    void patch_withAnUnknownField_is400_andKeepsTheValue() {
        Api.User alice = api.newUser();

        assertProblem(api.patch(PATH, alice.token(), Map.of("theme", "dark")), 400, "validation_failed");
        assertProblem(
                api.patch(PATH, alice.token(), Map.of("default_visibility", "public", "theme", "dark")),
                400,
                "validation_failed");
        assertProblem(api.patch(PATH, alice.token(), Map.of("defaultVisibility", "public")), 400, "validation_failed");
        assertThat(defaultVisibility(alice))
                .as("nothing applied from a refused body")
                .isEqualTo("friends");
        assertThat(stored(alice)).isEqualTo("friends");
    }

    @Test
    void withoutAToken_is401() {
        assertProblem(api.get(PATH, null), 401, "unauthorized");
        assertProblem(api.patch(PATH, null, Map.of("default_visibility", "public")), 401, "unauthorized");
        assertProblem(api.patch(PATH, "not-a-token", Map.of("default_visibility", "public")), 401, "unauthorized");
    }
}
