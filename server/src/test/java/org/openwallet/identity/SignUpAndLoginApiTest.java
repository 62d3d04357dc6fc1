package org.openwallet.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.openwallet.Api;
import org.openwallet.WalletIntegrationTest;
import tools.jackson.databind.JsonNode;

/** {@code POST /v1/auth/signup} and {@code POST /v1/auth/login}, as a client sees them. */
class SignUpAndLoginApiTest extends WalletIntegrationTest {
    private static final String SIGNUP = "/v1/auth/signup";
    private static final String LOGIN = "/v1/auth/login";

    /** A handle nobody else in the shared database has: 3 + 12 characters of [a-z0-9_]. */
    private static String freshHandle(String prefix) {
        return prefix + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    private Api.Response signUp(Object body) {
        return api.post(SIGNUP, null, null, body);
    }

    private Api.Response signUp(String handle, String password) {
        return signUp(Map.of("handle", handle, "password", password));
    }

    private Api.Response logIn(String handle, String password) {
        return api.post(LOGIN, null, null, Map.of("handle", handle, "password", password));
    }

    private static void assertValidationFailed(Api.Response response) {
        assertProblem(response, 400, "validation_failed");
    }

    private static void assertProblem(Api.Response response, int status, String code) {
        assertThat(response.status()).as(response.body()).isEqualTo(status);
        assertThat(response.header("Content-Type")).startsWith("application/problem+json");
        assertThat(response.code()).isEqualTo(code);
        assertThat(response.json().get("status").asInt()).isEqualTo(status);
        assertThat(response.json().get("title").asString()).isNotBlank();
    }

    // --- sign-up: success ---

    @Test
    void signUp_withValidHandleAndPassword_isCreatedWithUserIdAndHandle() {
        String handle = freshHandle("new_");

        Api.Response response = signUp(handle, Api.PASSWORD);

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        assertThat(response.header("Content-Type")).startsWith("application/json");
        JsonNode body = response.json();
        assertThat(body.propertyNames()).containsExactlyInAnyOrder("user_id", "handle");
        UUID userId = UUID.fromString(body.get("user_id").asString());
        assertThat(body.get("handle").asString()).isEqualTo(handle);
        assertThat(jdbc.sql("SELECT handle FROM users WHERE id = ?")
                        .param(userId)
                        .query(String.class)
                        .single())
                .isEqualTo(handle);
    }

    @Test
    void signUp_storesThePasswordHashedNeverInPlainText() {
        String handle = freshHandle("hash_");
        Api.Response response = signUp(handle, Api.PASSWORD);
        assertThat(response.status()).as(response.body()).isEqualTo(201);

        String stored = jdbc.sql("SELECT password_hash FROM users WHERE handle = ?")
                .param(handle)
                .query(String.class)
                .single();

        assertThat(stored).doesNotContain(Api.PASSWORD).matches("\\$(argon2id|2[aby])\\$.*");
    }

    @Test
    void signUp_withMixedCaseHandle_storesAndReturnsItLowerCase() {
        String handle = freshHandle("MiXeD_");

        Api.Response response = signUp(handle, Api.PASSWORD);

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        String lower = handle.toLowerCase(Locale.ROOT);
        assertThat(response.json().get("handle").asString()).isEqualTo(lower);
        UUID userId = UUID.fromString(response.json().get("user_id").asString());
        assertThat(jdbc.sql("SELECT handle FROM users WHERE id = ?")
                        .param(userId)
                        .query(String.class)
                        .single())
                .isEqualTo(lower);
    }

    @Test
    void signUp_withHandleDifferingOnlyInCase_isConflictHandleTaken() {
        String base = freshHandle("alice_");
        Api.Response first = signUp(base.toUpperCase(Locale.ROOT), Api.PASSWORD);
        assertThat(first.status()).as(first.body()).isEqualTo(201);

        Api.Response second = signUp(base, "another password 2");

        assertProblem(second, 409, "handle_taken");
        assertThat(jdbc.sql("SELECT count(*) FROM users WHERE handle = ?")
                        .param(base)
                        .query(Long.class)
                        .single())
                .isEqualTo(1L);
    }

    @Test
    void signUp_withTheSameHandleTwice_isConflictHandleTaken() {
        String handle = freshHandle("twice_");
        assertThat(signUp(handle, Api.PASSWORD).status()).isEqualTo(201);

        assertProblem(signUp(handle, Api.PASSWORD), 409, "handle_taken");
    }

    @Test
    void signUp_withHandleOfThirtyCharacters_isCreated() {
        String handle = freshHandle("h_") + "x".repeat(16);
        assertThat(handle).hasSize(30);

        Api.Response response = signUp(handle, Api.PASSWORD);

        assertThat(response.status()).as(response.body()).isEqualTo(201);
    }

    @Test
    void signUp_withHandleOfThreeCharacters_isAccepted() {
        // Three-character handles are few: one may already be taken by another test, which still
        // proves the length is accepted (409, not 400). At least one of ten must be created.
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789_";
        List<Integer> statuses = new ArrayList<>();
        for (int attempt = 0; attempt < 10 && !statuses.contains(201); attempt++) {
            StringBuilder handle = new StringBuilder();
            for (int i = 0; i < 3; i++) {
                handle.append(alphabet.charAt(ThreadLocalRandom.current().nextInt(alphabet.length())));
            }
            Api.Response response = signUp(handle.toString(), Api.PASSWORD);
            statuses.add(response.status());
            if (response.status() != 201) {
                assertProblem(response, 409, "handle_taken");
            }
        }
        assertThat(statuses).contains(201);
    }

    @Test
    void signUp_withHandleOfTwoCharacters_isValidationFailed() {
        assertValidationFailed(signUp("ab", Api.PASSWORD));
    }

    @Test
    void signUp_withHandleOfThirtyOneCharacters_isValidationFailed() {
        String handle = freshHandle("h_") + "x".repeat(17);
        assertThat(handle).hasSize(31);

        assertValidationFailed(signUp(handle, Api.PASSWORD));
        assertThat(jdbc.sql("SELECT count(*) FROM users WHERE handle = ?")
                        .param(handle)
                        .query(Long.class)
                        .single())
                .isZero();
    }

    @Test
    void signUp_withHandleContainingCharactersOutsideLettersDigitsAndUnderscore_isValidationFailed() {
        for (String handle :
                List.of("bad-handle", "bad handle", "bad.handle", "héllo_user", "user@home", "émile", "", "   ")) {
            assertValidationFailed(signUp(handle, Api.PASSWORD));
        }
    }

    @Test
    void signUp_withPasswordOfNineCharacters_isValidationFailed() {
        assertValidationFailed(signUp(freshHandle("pw9_"), "123456789"));
    }

    @Test
    void signUp_withPasswordOfTenCharacters_isCreated() {
        Api.Response response = signUp(freshHandle("pw10_"), "1234567890");
        assertThat(response.status()).as(response.body()).isEqualTo(201);
    }

    @Test
    void signUp_withPasswordOf128Characters_isCreatedAndCanLogIn() {
        String handle = freshHandle("pw128_");
        String password = "p".repeat(128);

        Api.Response response = signUp(handle, password);

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        assertThat(logIn(handle, password).status()).isEqualTo(200);
    }

    @Test
    void signUp_withPasswordOf129Characters_isValidationFailed() {
        assertValidationFailed(signUp(freshHandle("pw129_"), "p".repeat(129)));
    }

    @Test
    void signUp_withValidEmail_isCreated() {
        String handle = freshHandle("mail_");
        Api.Response response =
                signUp(Map.of("handle", handle, "password", Api.PASSWORD, "email", handle + "@example.com"));
        assertThat(response.status()).as(response.body()).isEqualTo(201);
    }

    @Test
    void signUp_withBadEmail_isValidationFailed() {
        for (String email : List.of("not-an-email", "a@b", "two@@example.com", "spaces in@example.com", "")) {
            String handle = freshHandle("bad_mail_");
            assertValidationFailed(signUp(Map.of("handle", handle, "password", Api.PASSWORD, "email", email)));
            assertThat(jdbc.sql("SELECT count(*) FROM users WHERE handle = ?")
                            .param(handle)
                            .query(Long.class)
                            .single())
                    .isZero();
        }
    }

    @Test
    void signUp_withNulCharacterInEmail_isValidationFailed() {
        String handle = freshHandle("nul_mail_");
        assertValidationFailed(
                signUp(Map.of("handle", handle, "password", Api.PASSWORD, "email", "a\u0000b@example.com")));
        assertThat(jdbc.sql("SELECT count(*) FROM users WHERE handle = ?")
                        .param(handle)
                        .query(Long.class)
                        .single())
                .isZero();
    }

    @Test
    void signUp_withLoneSurrogateInEmail_isValidationFailed() {
        String handle = freshHandle("sur_mail_");
        assertValidationFailed(api.postRaw(
                SIGNUP,
                null,
                null,
                "{\"handle\": \"" + handle + "\", \"password\": \"" + Api.PASSWORD
                        + "\", \"email\": \"a\\ud800b@example.com\"}"));
        assertThat(jdbc.sql("SELECT count(*) FROM users WHERE handle = ?")
                        .param(handle)
                        .query(Long.class)
                        .single())
                .isZero();
    }

    @Test
    void signUp_withoutHandle_isValidationFailed() {
        assertValidationFailed(signUp(Map.of("password", Api.PASSWORD)));
    }

    @Test
    void signUp_withoutPassword_isValidationFailed() {
        assertValidationFailed(signUp(Map.of("handle", freshHandle("nopw_"))));
    }

    @Test
    void signUp_withEmptyObject_isValidationFailed() {
        assertValidationFailed(api.postRaw(SIGNUP, null, null, "{}"));
    }

    @Test
    void signUp_withEmptyBody_isValidationFailed() {
        assertValidationFailed(api.postRaw(SIGNUP, null, null, ""));
    }

    @Test
    void signUp_withUnknownField_isValidationFailed() {
        String handle = freshHandle("unk_");
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("handle", handle);
        body.put("password", Api.PASSWORD);
        body.put("is_admin", "true");

        assertValidationFailed(signUp(body));
        assertThat(jdbc.sql("SELECT count(*) FROM users WHERE handle = ?")
                        .param(handle)
                        .query(Long.class)
                        .single())
                .isZero();
    }

    @Test
    void signUp_withHandleAsJsonNumber_isValidationFailed() {
        assertValidationFailed(
                api.postRaw(SIGNUP, null, null, "{\"handle\": 12345, \"password\": \"" + Api.PASSWORD + "\"}"));
    }

    @Test
    void signUp_withPasswordAsJsonArray_isValidationFailed() {
        assertValidationFailed(api.postRaw(
                SIGNUP,
                null,
                null,
                "{\"handle\": \"" + freshHandle("arr_") + "\", \"password\": [\"" + Api.PASSWORD + "\"]}"));
    }

    @Test
    void signUp_withMalformedJson_isValidationFailed() {
        assertValidationFailed(
                api.postRaw(SIGNUP, null, null, "{\"handle\": \"" + freshHandle("mal_") + "\", \"password\": "));
        assertValidationFailed(api.postRaw(SIGNUP, null, null, "not json at all"));
    }

    @Test
    void signUp_withJsonArrayInsteadOfObject_isValidationFailed() {
        assertValidationFailed(api.postRaw(SIGNUP, null, null, "[]"));
    }

    @Test
    void signUp_withDuplicateKey_isValidationFailed() {
        String handle = freshHandle("dup_");
        assertValidationFailed(api.postRaw(
                SIGNUP,
                null,
                null,
                "{\"handle\": \"" + handle + "\", \"handle\": \"" + freshHandle("dup_") + "\", \"password\": \""
                        + Api.PASSWORD + "\"}"));
    }

    @Test
    void newUser_hasZeroAvailableAndZeroPendingInUsd() {
        Api.User user = api.newUser();

        Api.Response balance = api.get("/v1/accounts/me/balance", user.token());

        assertThat(balance.status()).as(balance.body()).isEqualTo(200);
        assertThat(balance.json().get("currency").asString()).isEqualTo("USD");
        assertThat(balance.json().get("available").asString()).isEqualTo("0.00");
        assertThat(balance.json().get("pending").asString()).isEqualTo("0.00");
    }

    // --- login ---

    @Test
    void logIn_withRightPassword_isOkWithBearerToken() {
        String handle = freshHandle("login_");
        assertThat(signUp(handle, Api.PASSWORD).status()).isEqualTo(201);

        Api.Response response = logIn(handle, Api.PASSWORD);

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.header("Content-Type")).startsWith("application/json");
        JsonNode body = response.json();
        assertThat(body.get("access_token").asString()).isNotBlank();
        assertThat(body.get("token_type").asString()).isEqualTo("Bearer");
        assertThat(body.get("expires_in").isIntegralNumber()).isTrue();
        assertThat(body.get("expires_in").asLong()).isPositive();
        assertThat(body.get("refresh_token").asString()).isNotBlank();
        assertThat(body.get("refresh_token_expires_in").asLong())
                .isGreaterThan(body.get("expires_in").asLong());
        // The token is good for the API.
        assertThat(api.get("/v1/accounts/me/balance", body.get("access_token").asString())
                        .status())
                .isEqualTo(200);
    }

    @Test
    void logIn_withHandleInAnotherCase_isOk() {
        String handle = freshHandle("case_");
        assertThat(signUp(handle, Api.PASSWORD).status()).isEqualTo(201);

        Api.Response response = logIn(handle.toUpperCase(Locale.ROOT), Api.PASSWORD);

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.json().get("access_token").asString()).isNotBlank();
    }

    @Test
    void logIn_withWrongPassword_isUnauthorized() {
        String handle = freshHandle("wrong_");
        assertThat(signUp(handle, Api.PASSWORD).status()).isEqualTo(201);

        Api.Response response = logIn(handle, "not the password");

        assertThat(response.status()).isEqualTo(401);
        assertThat(response.header("Content-Type")).startsWith("application/problem+json");
        assertThat(response.code()).isNotBlank();
        assertThat(response.json().get("access_token")).isNull();
    }

    @Test
    void logIn_withPasswordInAnotherCase_isUnauthorized() {
        String handle = freshHandle("pwcase_");
        assertThat(signUp(handle, Api.PASSWORD).status()).isEqualTo(201);

        assertThat(logIn(handle, Api.PASSWORD.toUpperCase(Locale.ROOT)).status())
                .isEqualTo(401);
    }

    @Test
    void logIn_withUnknownHandle_answersExactlyLikeAWrongPassword() {
        String handle = freshHandle("known_");
        assertThat(signUp(handle, Api.PASSWORD).status()).isEqualTo(201);

        Api.Response wrongPassword = logIn(handle, "not the password");
        Api.Response unknownHandle = logIn(freshHandle("nobody_"), "not the password");

        assertThat(unknownHandle.status()).isEqualTo(401).isEqualTo(wrongPassword.status());
        assertThat(unknownHandle.header("Content-Type")).isEqualTo(wrongPassword.header("Content-Type"));
        assertThat(unknownHandle.code()).isEqualTo(wrongPassword.code());
        assertThat(unknownHandle.json().get("title"))
                .isEqualTo(wrongPassword.json().get("title"));
        assertThat(unknownHandle.json().get("detail"))
                .isEqualTo(wrongPassword.json().get("detail"));
        assertThat(unknownHandle.body()).isEqualTo(wrongPassword.body());
    }

    @Test
    void logIn_withPasswordOverTheMaximumLength_isUnauthorized() {
        String handle = freshHandle("long_");
        assertThat(signUp(handle, Api.PASSWORD).status()).isEqualTo(201);

        assertThat(logIn(handle, "p".repeat(129)).status()).isEqualTo(401);
    }

    @Test
    void logIn_withNulCharacterInHandle_isUnauthorizedLikeAnUnknownHandle() {
        Api.Response response = logIn("someone\u0000else", Api.PASSWORD);

        assertThat(response.status()).as(response.body()).isEqualTo(401);
        assertThat(response.body())
                .isEqualTo(logIn(freshHandle("nobody_"), Api.PASSWORD).body());
    }

    @Test
    void logIn_withNulCharacterInPassword_isUnauthorized() {
        String handle = freshHandle("nulpw_");
        assertThat(signUp(handle, Api.PASSWORD).status()).isEqualTo(201);

        assertThat(logIn(handle, Api.PASSWORD + "\u0000").status()).isEqualTo(401);
    }

    @Test
    void logIn_withUnknownField_isValidationFailed() {
        assertValidationFailed(api.postRaw(
                LOGIN,
                null,
                null,
                "{\"handle\": \"someone\", \"password\": \"" + Api.PASSWORD + "\", \"remember_me\": \"yes\"}"));
    }

    @Test
    void logIn_withMalformedJson_isValidationFailed() {
        assertValidationFailed(api.postRaw(LOGIN, null, null, "{\"handle\": "));
    }

    @Test
    void logIn_withPasswordAsJsonNumber_isValidationFailed() {
        assertValidationFailed(api.postRaw(LOGIN, null, null, "{\"handle\": \"someone\", \"password\": 1234567890}"));
    }

    @Test
    void logIn_withoutPassword_isUnauthorizedOrValidationFailedNeverOk() {
        String handle = freshHandle("nopass_");
        assertThat(signUp(handle, Api.PASSWORD).status()).isEqualTo(201);

        Api.Response response = api.post(LOGIN, null, null, Map.of("handle", handle));

        assertThat(response.status()).isIn(400, 401);
        assertThat(response.header("Content-Type")).startsWith("application/problem+json");
        assertThat(response.json().get("access_token")).isNull();
    }
}
