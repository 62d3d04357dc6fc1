package org.openwallet.platform.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openwallet.Api;
import org.openwallet.RawHttp;
import org.openwallet.WalletIntegrationTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Requests that Tomcat or the servlet container answer before (or instead of) any controller: each
 * is answered with a problem document and a stable code, never Tomcat's HTML page or Spring Boot's
 * own error JSON. Sent over a raw socket, since a well-behaved client refuses to send most of them.
 */
class HttpLayerProblemsApiTest extends WalletIntegrationTest {
    @LocalServerPort
    int serverPort;

    private RawHttp http;
    private Api.User user;

    @BeforeEach
    void connect() {
        http = new RawHttp(serverPort);
        user = api.newUser();
    }

    private Map<String, String> authorized() {
        return Map.of("Authorization", "Bearer " + user.token());
    }

    static void assertProblem(RawHttp.Response response, int status, String code) {
        assertThat(response.status()).as(response.body()).isEqualTo(status);
        assertThat(response.header("Content-Type")).as(response.body()).startsWith(Problem.MEDIA_TYPE);
        assertThat(response.code()).as(response.body()).isEqualTo(code);
        assertThat(response.json().get("status").asInt()).isEqualTo(status);
    }

    @Test
    void idempotencyKeyOf8000Characters_reachesTheApplication_andIsInvalid() throws IOException {
        RawHttp.Response response = http.send(
                "POST",
                "/v1/transfers",
                Map.of("Authorization", "Bearer " + user.token(), "Idempotency-Key", "k".repeat(8000)),
                "{\"to_handle\":\"nobody\",\"amount\":\"1.00\",\"currency\":\"USD\"}");

        assertProblem(response, 400, "idempotency_key_invalid");
    }

    /** Found by OpenApiFuzzTest: a blank id converts to null, which Spring took for a missing path variable and answered 500. */
    @Test
    void blankPathId_isAValidationProblem_notAServerError() throws IOException {
        RawHttp.Response admin = http.send(
                "PUT",
                "/v1/admin/users/%20/verification",
                Map.of("Authorization", "Bearer " + user.token(), "Idempotency-Key", "blank-id"),
                "{}");

        assertProblem(admin, 400, "validation_failed");
    }

    /** Found by OpenApiFuzzTest: a lone surrogate has no UTF-8 form, and hashing it threw (500). */
    @Test
    void passwordWithALoneSurrogate_isAWrongPasswordAtLogin_andRefusedAtSignUp() throws IOException {
        RawHttp.Response login = http.send(
                "POST", "/v1/auth/login", Map.of(), "{\"handle\":\"" + user.handle() + "\",\"password\":\"\\uD801\"}");
        RawHttp.Response signUp = http.send(
                "POST",
                "/v1/auth/signup",
                Map.of(),
                "{\"handle\":\"surrogate_" + System.nanoTime() % 100000
                        + "\",\"password\":\"long enough \\uD801 password\"}");

        assertProblem(login, 401, "invalid_credentials");
        assertProblem(signUp, 400, "validation_failed");
    }

    @Test
    void idempotencyKeyWithNul_isMalformed() throws IOException {
        RawHttp.Response response = http.send(
                "POST",
                "/v1/transfers",
                Map.of("Authorization", "Bearer " + user.token(), "Idempotency-Key", "abc\u0000def"),
                "{}");

        assertProblem(response, 400, "malformed_request");
    }

    @Test
    void cursorOf10000Characters_reachesTheApplication_andIsInvalid() throws IOException {
        String cursor = "a".repeat(10_000);

        assertProblem(http.send("GET", "/v1/feed/me?cursor=" + cursor, authorized(), null), 400, "invalid_cursor");
        assertProblem(http.send("GET", "/v1/transfers?cursor=" + cursor, authorized(), null), 400, "invalid_cursor");
    }

    @Test
    void headersOverTheLimit_areTooLarge() throws IOException {
        RawHttp.Response response = http.send(
                "GET",
                "/v1/accounts/me/balance",
                Map.of("Authorization", "Bearer " + user.token(), "X-Padding", "p".repeat(20_000)),
                null);

        assertProblem(response, 431, "request_headers_too_large");
    }

    @Test
    void requestLineOverTheLimit_isTooLarge() throws IOException {
        assertProblem(
                http.send("GET", "/v1/feed/me?cursor=" + "a".repeat(20_000), authorized(), null),
                431,
                "request_headers_too_large");
    }

    @Test
    void encodedNulInPath_isMalformed_withTokenOrWithout() throws IOException {
        assertProblem(http.send("GET", "/v1/transfers/%00", authorized(), null), 400, "malformed_request");
        assertProblem(http.send("GET", "/v1/transfers/%00", Map.of(), null), 400, "malformed_request");
    }

    @Test
    void brokenPercentEncodingsInPath_areMalformed() throws IOException {
        for (String path : new String[] {
            "/v1/transfers/%zz", "/v1/transfers/%", "/v1/transfers/a%2Fb", "/v1/transfers/a%5Cb", "/v1/transfers/%c3%28"
        }) {
            assertProblem(http.send("GET", path, authorized(), null), 400, "malformed_request");
        }
    }

    @Test
    void brokenPercentEncodingInQuery_isMalformed_notAServerError() throws IOException {
        assertProblem(http.send("GET", "/v1/feed/me?cursor=%zz", authorized(), null), 400, "malformed_request");
        assertProblem(http.send("GET", "/v1/transfers?limit=%c3%28", authorized(), null), 400, "malformed_request");
    }

    @Test
    void invalidCharactersInRequestLineOrHeaders_areMalformed() throws IOException {
        assertProblem(http.send("GET", "/v1/transfers|x", authorized(), null), 400, "malformed_request");
        assertProblem(
                http.send(
                        "GET",
                        "/v1/accounts/me/balance",
                        Map.of("Authorization", "Bearer " + user.token(), "Bad Name", "x"),
                        null),
                400,
                "malformed_request");
        assertProblem(
                http.send(
                        "GET",
                        "/v1/accounts/me/balance",
                        Map.of("Authorization", "Bearer " + user.token(), "X-Control", "a\u0001b"),
                        null),
                400,
                "malformed_request");
    }

    @Test
    void trace_isMethodNotAllowed() throws IOException {
        assertProblem(http.send("TRACE", "/v1/transfers", authorized(), null), 405, "method_not_allowed");
        assertProblem(http.send("TRACE", "/", Map.of(), null), 405, "method_not_allowed");
    }

    @Test
    void unknownMethod_isMethodNotAllowed() throws IOException {
        assertProblem(http.send("BREW", "/v1/transfers", authorized(), null), 405, "method_not_allowed");
    }

    @Test
    void unknownTransferCoding_isNotImplemented() throws IOException {
        assertProblem(
                http.sendBytes(
                        "POST",
                        "/v1/auth/login",
                        Map.of("Content-Type", "application/json", "Transfer-Encoding", "gzip"),
                        null),
                501,
                "not_implemented");
    }

    @Test
    void brokenChunkedBody_isMalformed() throws IOException {
        RawHttp.Response response = http.sendBytes(
                "POST",
                "/v1/auth/login",
                Map.of("Content-Type", "application/json", "Transfer-Encoding", "chunked"),
                "zz\r\n{}\r\n0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));

        assertProblem(response, 400, "malformed_request");
    }

    @Test
    void unsupportedHttpVersion_isProblem() throws IOException {
        assertProblem(
                http.sendBytes("GET", "/v1/transfers HTTP/9.9\r\nX-Ignored:", Map.of(), null),
                505,
                "http_version_not_supported");
    }

    @Test
    void wrongContentType_isUnsupportedMediaType() throws IOException {
        RawHttp.Response response = http.sendBytes(
                "POST",
                "/v1/transfers",
                Map.of(
                        "Authorization",
                        "Bearer " + user.token(),
                        "Idempotency-Key",
                        UUID.randomUUID().toString(),
                        "Content-Type",
                        "application/xml"),
                "<transfer/>".getBytes(StandardCharsets.UTF_8));

        assertProblem(response, 415, "unsupported_media_type");
    }

    @Test
    void errorPathItself_isNotFound() throws IOException {
        assertProblem(http.send("GET", "/error", Map.of(), null), 404, "not_found");
    }
}
