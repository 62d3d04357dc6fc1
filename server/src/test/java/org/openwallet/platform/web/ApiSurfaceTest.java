package org.openwallet.platform.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.openwallet.Api;
import org.openwallet.WalletIntegrationTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/** What is around the API: health, the OpenAPI document, Swagger UI, and the answers for wrong paths and methods. */
class ApiSurfaceTest extends WalletIntegrationTest {
    private static final HttpClient CLIENT =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @LocalServerPort
    int serverPort;

    private Api.Response send(String method, String path, String token) {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + serverPort).resolve(path))
                .timeout(Duration.ofSeconds(30))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        try {
            HttpResponse<String> response = CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Api.Response(response.statusCode(), response);
        } catch (IOException | InterruptedException exception) {
            throw new IllegalStateException(exception);
        }
    }

    private static void assertProblem(Api.Response response, int status, String code) {
        assertThat(response.status()).as(response.body()).isEqualTo(status);
        assertThat(response.header("Content-Type")).startsWith("application/problem+json");
        assertThat(response.code()).isEqualTo(code);
        assertThat(response.json().get("status").asInt()).isEqualTo(status);
    }

    @Test
    void health_withoutToken_isUp() {
        Api.Response response = api.get("/actuator/health", null);

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.json().get("status").asString()).isEqualTo("UP");
    }

    @Test
    void openApiDocument_describesEveryEndpointAndTheIdempotencyKeyHeader() {
        Api.Response response = api.get("/v3/api-docs", null);

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.header("Content-Type")).startsWith("application/json");
        JsonNode paths = response.json().get("paths");
        assertThat(paths.propertyNames())
                .contains(
                        "/v1/auth/signup",
                        "/v1/auth/login",
                        "/v1/transfers",
                        "/v1/transfers/{id}",
                        "/v1/accounts/me/balance");
        assertThat(paths.get("/v1/transfers").has("post")).isTrue();
        assertThat(paths.get("/v1/transfers").has("get")).isTrue();
        assertThat(paths.get("/v1/auth/signup").has("post")).isTrue();
        assertThat(paths.get("/v1/auth/login").has("post")).isTrue();
        assertThat(paths.get("/v1/accounts/me/balance").has("get")).isTrue();
        assertThat(paths.get("/v1/transfers").get("post").toString()).contains("Idempotency-Key");
        assertThat(response.json().get("components").get("securitySchemes").toString())
                .contains("bearer");
    }

    @Test
    void swaggerUi_isServedDirectlyOrThroughARedirect() {
        Api.Response response = api.get("/swagger-ui.html", null);
        for (int hops = 0; hops < 5 && response.status() / 100 == 3; hops++) {
            String location = response.header("Location");
            assertThat(location).as("redirect without Location").isNotNull();
            response = send("GET", location, null);
        }

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.body()).containsIgnoringCase("swagger");
    }

    @Test
    void getOnPostOnlySignUp_isMethodNotAllowedAsProblem() {
        Api.Response response = api.get("/v1/auth/signup", null);

        assertProblem(response, 405, "method_not_allowed");
        // RFC 9110 15.5.6: a 405 must say which methods the resource has.
        assertThat(response.header("Allow")).contains("POST");
    }

    @Test
    void deleteOnATransfer_isMethodNotAllowedAsProblem() {
        Api.User user = api.newUser();

        Api.Response response = send("DELETE", "/v1/transfers/" + UUID.randomUUID(), user.token());

        assertProblem(response, 405, "method_not_allowed");
        assertThat(response.header("Allow")).contains("GET");
    }

    @Test
    void unknownV1Path_withToken_isNotFoundAsProblem() {
        Api.User user = api.newUser();

        assertProblem(api.get("/v1/no-such-thing", user.token()), 404, "not_found");
        assertProblem(api.get("/v1/accounts/me/no-such-thing", user.token()), 404, "not_found");
    }

    @Test
    void unknownPathOutsideV1_isNotFoundAsProblem() {
        assertProblem(api.get("/no-such-thing", null), 404, "not_found");
    }

    @Test
    void unknownV1Path_withoutToken_isUnauthorizedNotNotFound() {
        Api.Response response = api.get("/v1/no-such-thing", null);

        assertProblem(response, 401, "unauthorized");
        assertThat(response.header("WWW-Authenticate")).isEqualTo("Bearer");
    }
}
