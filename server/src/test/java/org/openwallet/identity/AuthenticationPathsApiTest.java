package org.openwallet.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.openwallet.Api;
import org.openwallet.LedgerTestSupport;
import org.openwallet.RawHttp;
import org.openwallet.WalletIntegrationTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The authentication filter decides on the path the router resolves, not on the raw request line:
 * every spelling of a protected path (path parameters, percent-encoding, dot and empty segments) is
 * 401 without a token, and a spelling that is not canonical is 400 even with one, so that what was
 * authorised is exactly what is routed. Sent over a raw socket, byte for byte.
 */
class AuthenticationPathsApiTest extends WalletIntegrationTest {
    /** Spellings of {@code /v1/transfers} that Tomcat resolves to it. */
    private static final List<String> TRANSFERS_SPELLINGS = List.of(
            "/v1;x/transfers",
            "/v1/transfers;jsessionid=1",
            "/%76%31/transfers",
            "/v1/%74ransfers",
            "//v1/transfers",
            "/v1//transfers",
            "/v1/./transfers",
            "/v1/foo/../transfers",
            "/v1/%2e/transfers",
            "/v1/foo/%2E%2E/transfers",
            "/v1/foo/..;/transfers",
            "/x/..;/v1/transfers");
    /** Spellings Tomcat may refuse itself (400) before any filter; never 500, never a controller. */
    private static final List<String> REFUSED_OR_UNAUTHORIZED = List.of(
            "/v1%2ftransfers",
            "/v1%2Ftransfers",
            "/v1\\transfers",
            "/v1%5ctransfers",
            "/v1/%ff/transfers",
            "/v1/transfers%00",
            "/v1/%252e%252e/transfers",
            "/v1/transfers/",
            "/v1",
            "/v1/no-such-thing");

    @LocalServerPort
    int serverPort;

    @Test
    void everySpellingOfAProtectedPath_withoutToken_is401() throws Exception {
        RawHttp http = new RawHttp(serverPort);
        assertUnauthorized(http.send("GET", "/v1/transfers", Map.of(), null), "/v1/transfers");
        for (String path : TRANSFERS_SPELLINGS) {
            assertUnauthorized(http.send("GET", path, Map.of(), null), path);
            assertUnauthorized(
                    http.send(
                            "POST",
                            path,
                            Map.of("Idempotency-Key", UUID.randomUUID().toString()),
                            "{\"to_handle\":\"nobody\",\"amount\":\"1.00\",\"currency\":\"USD\"}"),
                    path);
        }
        for (String path : REFUSED_OR_UNAUTHORIZED) {
            RawHttp.Response response = http.send("GET", path, Map.of(), null);
            assertThat(response.status()).as("%s: %s", path, response.body()).isIn(400, 401);
            if (response.status() == 401) {
                assertUnauthorized(response, path);
            }
        }
    }

    @Test
    void aPublicPathReachedThroughDotSegmentsOrParameters_is400_neverRoutedElsewhere() throws Exception {
        RawHttp http = new RawHttp(serverPort);
        // Tomcat resolves each of these to a public path; Spring MVC, which keeps dot segments, would
        // route them elsewhere. Nothing is guessed: 400.
        for (String path : List.of(
                "/v1/transfers/..;/auth/login",
                "/v1/transfers/../auth/login",
                "/v1/auth/login;x",
                "/v1/./auth/login",
                "//v1/auth/login")) {
            RawHttp.Response response = http.send(
                    "POST", path, Map.of(), "{\"handle\":\"nobody_here\",\"password\":\"whatever password\"}");
            assertProblem(response, 400, "validation_failed", path);
        }
        // The canonical spelling, percent-encoded or not, is public as it should be.
        Api.User user = api.newUser();
        for (String path : List.of("/v1/auth/login", "/v1/auth/%6Cogin")) {
            RawHttp.Response response = http.send(
                    "POST",
                    path,
                    Map.of(),
                    "{\"handle\":\"" + user.handle() + "\",\"password\":\"" + Api.PASSWORD + "\"}");
            assertThat(response.status()).as("%s: %s", path, response.body()).isEqualTo(200);
        }
    }

    @Test
    void aNonCanonicalSpelling_withAValidToken_is400_andMovesNoMoney() throws Exception {
        Api.User sender = api.newUser();
        LedgerTestSupport.fund(transactions, ledger, sender.id(), 10_00);
        Api.User recipient = api.newUser();
        RawHttp http = new RawHttp(serverPort);
        Map<String, String> auth = Map.of("Authorization", "Bearer " + sender.token());

        for (String path : TRANSFERS_SPELLINGS) {
            if (path.startsWith("/%76") || path.startsWith("/v1/%74")) {
                continue;
            }
            RawHttp.Response response = http.send(
                    "POST",
                    path,
                    Map.of(
                            "Authorization",
                            "Bearer " + sender.token(),
                            "Idempotency-Key",
                            UUID.randomUUID().toString()),
                    "{\"to_handle\":\"" + recipient.handle() + "\",\"amount\":\"1.00\",\"currency\":\"USD\"}");
            assertProblem(response, 400, "validation_failed", path);
        }
        assertThat(api.available(sender)).isEqualTo("10.00");
        assertThat(api.available(recipient)).isEqualTo("0.00");

        // Merely percent-encoded unreserved characters are the same path (RFC 3986 6.2.2.2): authorised, routed.
        RawHttp.Response encoded = http.send("GET", "/%76%31/accounts/me/balance", auth, null);
        assertThat(encoded.status()).as(encoded.body()).isEqualTo(200);
        assertThat(encoded.json().get("available").asString()).isEqualTo("10.00");
    }

    @Test
    void theOneListOfPublicPaths_isSignUpLoginRefreshAndTheBankWebhook() {
        assertThat(AuthenticationFilter.PUBLIC_PATHS)
                .containsExactlyInAnyOrder(
                        "/v1/auth/signup", "/v1/auth/login", "/v1/auth/refresh", "/v1/webhooks/bank");
    }

    private static void assertUnauthorized(RawHttp.Response response, String path) {
        assertProblem(response, 401, "unauthorized", path);
        assertThat(response.header("WWW-Authenticate")).as(path).isEqualTo("Bearer");
    }

    private static void assertProblem(RawHttp.Response response, int status, String code, String path) {
        assertThat(response.status()).as("%s: %s", path, response.body()).isEqualTo(status);
        assertThat(response.header("Content-Type")).as(path).startsWith("application/problem+json");
        assertThat(response.code()).as(path).isEqualTo(code);
    }
}
