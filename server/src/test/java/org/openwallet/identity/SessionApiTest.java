package org.openwallet.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jwt.SignedJWT;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.openwallet.Api;
import org.openwallet.Race;
import org.openwallet.WalletIntegrationTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/**
 * Sessions a user controls: refresh tokens with rotation and reuse detection, logout, password
 * change, and the list of sessions with a way to end one. An ended session's access tokens stop
 * working within seconds, not at their expiry.
 */
class SessionApiTest extends WalletIntegrationTest {
    private static final String BALANCE = "/v1/accounts/me/balance";
    private static final String REFRESH = "/v1/auth/refresh";
    private static final String SESSIONS = "/v1/auth/sessions";
    /** What "within seconds" means here: the revocation poll is 1 s; this leaves room for a loaded machine. */
    private static final Duration REVOCATION_BOUND = Duration.ofSeconds(5);

    private static final HttpClient CLIENT =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @LocalServerPort
    int serverPort;

    /** A login's answer: the access token and the refresh token of one new session. */
    private record Login(String accessToken, String refreshToken) {
        UUID sessionId() {
            try {
                return UUID.fromString(
                        SignedJWT.parse(accessToken).getJWTClaimsSet().getStringClaim("sid"));
            } catch (java.text.ParseException exception) {
                throw new IllegalStateException(exception);
            }
        }
    }

    private Login logIn(Api.User user) {
        return pair(api.post("/v1/auth/login", null, null, Map.of("handle", user.handle(), "password", Api.PASSWORD)));
    }

    private static Login pair(Api.Response response) {
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return new Login(
                response.json().get("access_token").asString(),
                response.json().get("refresh_token").asString());
    }

    private Api.Response refresh(String refreshToken) {
        return api.post(REFRESH, null, null, Map.of("refresh_token", refreshToken));
    }

    private boolean works(String accessToken) {
        return api.get(BALANCE, accessToken).status() == 200;
    }

    private void assertStopsWorking(String what, String accessToken) {
        await(what + ": the access token is refused")
                .atMost(REVOCATION_BOUND)
                .until(() -> api.get(BALANCE, accessToken).status() == 401);
    }

    private static void assertUnauthorized(Api.Response response) {
        assertThat(response.status()).as(response.body()).isEqualTo(401);
        assertThat(response.header("Content-Type")).startsWith("application/problem+json");
        assertThat(response.json().get("access_token")).isNull();
    }

    private List<UUID> sessionIds(String accessToken) {
        Api.Response response = api.get(SESSIONS, accessToken);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        List<UUID> ids = new ArrayList<>();
        response.json()
                .get("sessions")
                .forEach(session -> ids.add(UUID.fromString(session.get("id").asString())));
        return ids;
    }

    // --- login and refresh ---

    @Test
    void logIn_answersAnAccessTokenNamingItsSession_andAnOpaqueRefreshToken() throws Exception {
        Api.User user = api.newUser();

        Api.Response response =
                api.post("/v1/auth/login", null, null, Map.of("handle", user.handle(), "password", Api.PASSWORD));

        JsonNode body = response.json();
        assertThat(body.get("token_type").asString()).isEqualTo("Bearer");
        assertThat(body.get("expires_in").asLong()).isEqualTo(900);
        assertThat(body.get("refresh_token_expires_in").asLong())
                .isEqualTo(Duration.ofDays(30).toSeconds());
        String refreshToken = body.get("refresh_token").asString();
        assertThat(refreshToken).matches("[A-Za-z0-9_-]{43}");
        // Only its SHA-256 is stored, with the session the access token names.
        UUID sessionId = new Login(body.get("access_token").asString(), refreshToken).sessionId();
        assertThat(jdbc.sql("SELECT session_id FROM refresh_tokens WHERE token_hash = sha256(convert_to(?, 'UTF8'))")
                        .param(refreshToken)
                        .query(UUID.class)
                        .single())
                .isEqualTo(sessionId);
        assertThat(jdbc.sql("SELECT user_id FROM sessions WHERE id = ?")
                        .param(sessionId)
                        .query(UUID.class)
                        .single())
                .isEqualTo(user.id());
    }

    @Test
    void refresh_answersANewPairOfTheSameSession_andTheNewAccessTokenWorks() {
        Api.User user = api.newUser();
        Login login = logIn(user);

        Login refreshed = pair(refresh(login.refreshToken()));

        assertThat(refreshed.refreshToken()).isNotEqualTo(login.refreshToken());
        assertThat(refreshed.accessToken()).isNotEqualTo(login.accessToken());
        assertThat(refreshed.sessionId()).isEqualTo(login.sessionId());
        assertThat(works(refreshed.accessToken())).isTrue();
        // The new refresh token refreshes in turn.
        assertThat(refresh(refreshed.refreshToken()).status()).isEqualTo(200);
    }

    @Test
    void refresh_needsNoBearerToken_andRefusesUnknownOrMissingTokens() {
        assertUnauthorized(refresh("no-such-refresh-token"));
        assertUnauthorized(refresh("x".repeat(5000)));
        assertUnauthorized(api.post(REFRESH, "garbage", null, Map.of("refresh_token", "no-such-refresh-token")));
        Api.Response missing = api.post(REFRESH, null, null, Map.of());
        assertThat(missing.status()).as(missing.body()).isEqualTo(400);
        assertThat(missing.code()).isEqualTo("validation_failed");
    }

    @Test
    void refresh_withARetiredToken_isUnauthorized_andEndsTheWholeSessionItsNewestTokensIncluded() {
        Api.User user = api.newUser();
        Login stolen = logIn(user);
        Login owner = pair(refresh(stolen.refreshToken()));
        Login newest = pair(refresh(owner.refreshToken()));
        Login otherDevice = logIn(user);

        // The thief replays the retired token.
        assertUnauthorized(refresh(stolen.refreshToken()));

        assertUnauthorized(refresh(newest.refreshToken()));
        assertStopsWorking("reuse detected", newest.accessToken());
        assertStopsWorking("reuse detected", owner.accessToken());
        assertThat(jdbc.sql("SELECT revoked_reason FROM sessions WHERE id = ?")
                        .param(stolen.sessionId())
                        .query(String.class)
                        .single())
                .isEqualTo("refresh_token_reused");
        // Another session of the same user is another family: untouched.
        assertThat(works(otherDevice.accessToken())).isTrue();
        assertThat(refresh(otherDevice.refreshToken()).status()).isEqualTo(200);
    }

    @Test
    void refresh_withOneTokenFromManyClientsAtOnce_succeedsAtMostOnce() throws Exception {
        Api.User user = api.newUser();
        Login login = logIn(user);

        List<Integer> statuses =
                Race.run(8, racer -> () -> refresh(login.refreshToken()).status());

        assertThat(statuses).containsOnly(200, 401);
        assertThat(statuses.stream().filter(status -> status == 200).count()).isLessThanOrEqualTo(1);
        // The token was used twice at once: a reuse, which ends the session for everyone who raced.
        assertThat(jdbc.sql("SELECT count(*) FROM refresh_tokens WHERE session_id = ? AND retired_at IS NULL")
                        .param(login.sessionId())
                        .query(Long.class)
                        .single())
                .isLessThanOrEqualTo(1);
        assertStopsWorking("refresh raced", login.accessToken());
    }

    @Test
    void refresh_ofAnExpiredRefreshToken_isUnauthorizedWithoutEndingTheSession() {
        Api.User user = api.newUser();
        Login login = logIn(user);
        jdbc.sql("UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE session_id = ?")
                .param(login.sessionId())
                .update();

        assertUnauthorized(refresh(login.refreshToken()));

        assertThat(jdbc.sql("SELECT revoked_at IS NULL FROM sessions WHERE id = ?")
                        .param(login.sessionId())
                        .query(Boolean.class)
                        .single())
                .isTrue();
    }

    // --- logout ---

    @Test
    void logOut_endsThisSession_itsAccessTokenWithinSecondsAndItsRefreshTokenAtOnce() {
        Api.User user = api.newUser();
        Login phone = logIn(user);
        Login laptop = logIn(user);

        Api.Response response = api.post("/v1/auth/logout", phone.accessToken(), null, Map.of());

        assertThat(response.status()).as(response.body()).isEqualTo(204);
        assertUnauthorized(refresh(phone.refreshToken()));
        assertStopsWorking("logout", phone.accessToken());
        assertThat(works(laptop.accessToken())).isTrue();
        assertThat(sessionIds(laptop.accessToken()))
                .contains(laptop.sessionId())
                .doesNotContain(phone.sessionId());
    }

    @Test
    void logOut_withoutToken_isUnauthorized() {
        assertThat(api.post("/v1/auth/logout", null, null, Map.of()).status()).isEqualTo(401);
    }

    @Test
    void sessionEndedByAnotherNode_stopsWorkingHereWithinSeconds() {
        // Another node ends a session by writing the row; this node only learns of it by its poll.
        Api.User user = api.newUser();
        Login login = logIn(user);
        assertThat(works(login.accessToken())).isTrue();

        jdbc.sql("UPDATE sessions SET revoked_at = now(), revoked_reason = 'ended' WHERE id = ?")
                .param(login.sessionId())
                .update();

        assertStopsWorking("ended elsewhere", login.accessToken());
    }

    // --- the list, and ending one ---

    @Test
    void sessions_listsEachLoginWithDeviceIpAndUse_andMarksTheCurrentOne() throws Exception {
        Api.User user = api.newUser();
        String device = "WalletPhone/1.0 " + "x".repeat(300);
        HttpResponse<String> login = CLIENT.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + serverPort + "/v1/auth/login"))
                        .header("Content-Type", "application/json")
                        .header("User-Agent", device)
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"handle\":\"" + user.handle() + "\",\"password\":\"" + Api.PASSWORD + "\"}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        Login phone = pair(new Api.Response(login.statusCode(), login));

        Api.Response response = api.get(SESSIONS, phone.accessToken());

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        JsonNode sessions = response.json().get("sessions");
        assertThat(sessions.size()).as("sign-up's login and this one").isEqualTo(2);
        JsonNode current = sessions.get(0);
        assertThat(current.get("id").asString()).isEqualTo(phone.sessionId().toString());
        assertThat(current.get("current").asBoolean()).isTrue();
        assertThat(current.get("device").asString())
                .startsWith("WalletPhone/1.0 ")
                .hasSize(Sessions.MAX_DEVICE_LENGTH);
        assertThat(current.get("ip").asString()).isEqualTo("127.0.0.1");
        assertThat(current.get("created_at").asString()).isNotBlank();
        assertThat(current.get("last_used_at").asString()).isNotBlank();
        assertThat(sessions.get(1).get("current").asBoolean()).isFalse();
    }

    @Test
    void deleteSession_endsThatOneOnly() {
        Api.User user = api.newUser();
        Login phone = logIn(user);
        Login laptop = logIn(user);

        Api.Response response = api.delete(SESSIONS + "/" + phone.sessionId(), laptop.accessToken());

        assertThat(response.status()).as(response.body()).isEqualTo(204);
        assertStopsWorking("session deleted", phone.accessToken());
        assertUnauthorized(refresh(phone.refreshToken()));
        assertThat(works(laptop.accessToken())).isTrue();
        // Ending it again changes nothing.
        assertThat(api.delete(SESSIONS + "/" + phone.sessionId(), laptop.accessToken())
                        .status())
                .isEqualTo(204);
    }

    @Test
    void deleteSession_ofAnotherUser_isNotFoundAndEndsNothing() {
        Api.User victim = api.newUser();
        Api.User attacker = api.newUser();
        Login victimLogin = logIn(victim);

        Api.Response response = api.delete(SESSIONS + "/" + victimLogin.sessionId(), attacker.token());

        assertThat(response.status()).as(response.body()).isEqualTo(404);
        assertThat(response.code()).isEqualTo("not_found");
        assertThat(api.delete(SESSIONS + "/" + UUID.randomUUID(), attacker.token())
                        .status())
                .isEqualTo(404);
        assertThat(api.delete(SESSIONS + "/not-a-uuid", attacker.token()).status())
                .isEqualTo(404);
        assertThat(works(victimLogin.accessToken())).isTrue();
        assertThat(refresh(victimLogin.refreshToken()).status()).isEqualTo(200);
    }

    // --- password change ---

    @Test
    void changePassword_endsEveryOtherSession_keepsThisOne_andTheNewPasswordLogsIn() {
        Api.User user = api.newUser();
        Login here = logIn(user);
        Login elsewhere = logIn(user);
        String newPassword = "a different passphrase";

        Api.Response response = api.post(
                "/v1/auth/password",
                here.accessToken(),
                null,
                Map.of("old_password", Api.PASSWORD, "new_password", newPassword));

        assertThat(response.status()).as(response.body()).isEqualTo(204);
        assertStopsWorking("password changed", elsewhere.accessToken());
        assertStopsWorking("password changed", user.token());
        assertUnauthorized(refresh(elsewhere.refreshToken()));
        assertThat(works(here.accessToken())).isTrue();
        assertThat(refresh(here.refreshToken()).status()).isEqualTo(200);
        assertThat(api.post("/v1/auth/login", null, null, Map.of("handle", user.handle(), "password", Api.PASSWORD))
                        .status())
                .isEqualTo(401);
        assertThat(api.post("/v1/auth/login", null, null, Map.of("handle", user.handle(), "password", newPassword))
                        .status())
                .isEqualTo(200);
    }

    @Test
    void changePassword_withWrongOldPassword_isRefusedAndEndsNothing() {
        Api.User user = api.newUser();
        Login here = logIn(user);

        Api.Response response = api.post(
                "/v1/auth/password",
                here.accessToken(),
                null,
                Map.of("old_password", "not the password", "new_password", "a different passphrase"));

        assertThat(response.status()).as(response.body()).isEqualTo(401);
        assertThat(response.code()).isEqualTo("invalid_credentials");
        assertThat(works(user.token())).isTrue();
        assertThat(api.post("/v1/auth/login", null, null, Map.of("handle", user.handle(), "password", Api.PASSWORD))
                        .status())
                .isEqualTo(200);
    }

    @Test
    void changePassword_toOneThatBreaksTheSignUpRules_isValidationFailed() {
        Api.User user = api.newUser();

        Api.Response tooShort = api.post(
                "/v1/auth/password", user.token(), null, Map.of("old_password", Api.PASSWORD, "new_password", "short"));
        Api.Response missing = api.post("/v1/auth/password", user.token(), null, Map.of("old_password", Api.PASSWORD));

        assertThat(tooShort.status()).as(tooShort.body()).isEqualTo(400);
        assertThat(tooShort.code()).isEqualTo("validation_failed");
        assertThat(missing.status()).isEqualTo(400);
        assertThat(api.post("/v1/auth/login", null, null, Map.of("handle", user.handle(), "password", Api.PASSWORD))
                        .status())
                .isEqualTo(200);
    }
}
