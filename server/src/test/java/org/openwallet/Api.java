package org.openwallet;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.openwallet.audit.Actor;
import org.openwallet.identity.Role;
import org.openwallet.identity.Roles;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A small HTTP client for the wallet's API, as a real client would use it. */
public final class Api {
    public static final String PASSWORD = "correct horse battery";
    private static final int MAX_LOGIN_ATTEMPTS = 10;
    private static final AtomicLong HANDLES = new AtomicLong(System.nanoTime() % 1_000_000);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private final String baseUrl;

    public Api(String baseUrl) {
        this.baseUrl = baseUrl;
    }

    /** A signed-up, logged-in user. */
    public record User(UUID id, String handle, String token) {}

    /** A response with its body parsed as JSON when it is JSON. */
    public record Response(int status, HttpResponse<String> raw) {
        public JsonNode json() {
            return JSON.readTree(raw.body());
        }

        public String body() {
            return raw.body();
        }

        public String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }

        /** The problem+json {@code code}, or null. */
        public String code() {
            JsonNode code = json().get("code");
            return code == null ? null : code.asString();
        }
    }

    /** Signs up a user with a unique handle and logs in. */
    public User newUser() {
        String handle = "u" + HANDLES.incrementAndGet() + "_"
                + UUID.randomUUID().toString().substring(0, 6);
        Response signUp = post("/v1/auth/signup", null, null, Map.of("handle", handle, "password", PASSWORD));
        if (signUp.status() != 201) {
            throw new IllegalStateException("sign-up failed: " + signUp.body());
        }
        return new User(UUID.fromString(signUp.json().get("user_id").asString()), handle, login(handle, PASSWORD));
    }

    /** A new user holding {@code role}, granted as an operator would ({@code ./wallet admin grant}). */
    public User newUserWithRole(Roles roles, Role role) {
        User user = newUser();
        if (roles.grant(user.handle(), role, Actor.operator("test")) != Roles.Change.GRANTED) {
            throw new IllegalStateException("cannot grant " + role + " to " + user.handle());
        }
        return user;
    }

    /**
     * Logs in. A login fails closed with 503 {@code service_unavailable} when a Redis call of its
     * rate limiter times out (50 ms), which happens on a loaded two-core machine while Kafka and
     * Debezium start next to the test; a client retries after Retry-After, and so does this, a
     * bounded number of times. Tests of login itself post to it directly.
     */
    public String login(String handle, String password) {
        for (int attempt = 1; ; attempt++) {
            Response login = post("/v1/auth/login", null, null, Map.of("handle", handle, "password", password));
            if (login.status() == 200) {
                return login.json().get("access_token").asString();
            }
            if (login.status() != 503 || attempt == MAX_LOGIN_ATTEMPTS) {
                throw new IllegalStateException("login failed: " + login.status() + " " + login.body());
            }
            String retryAfter = login.header("Retry-After");
            Eventually.pause(
                    retryAfter == null ? Duration.ofSeconds(1) : Duration.ofSeconds(Long.parseLong(retryAfter)));
        }
    }

    public Response post(String path, String token, String idempotencyKey, Object body) {
        return postRaw(path, token, idempotencyKey, body instanceof String text ? text : JSON.writeValueAsString(body));
    }

    public Response postRaw(String path, String token, String idempotencyKey, String body) {
        HttpRequest.Builder request = request(path, token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        return send(request.build());
    }

    public Response get(String path, String token) {
        return send(request(path, token).GET().build());
    }

    public Response put(String path, String token, Object body) {
        return send(request(path, token)
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                .build());
    }

    public Response patch(String path, String token, Object body) {
        return patchRaw(path, token, body instanceof String text ? text : JSON.writeValueAsString(body));
    }

    public Response patchRaw(String path, String token, String body) {
        return send(request(path, token)
                .header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString(body))
                .build());
    }

    public Response delete(String path, String token) {
        return send(request(path, token).DELETE().build());
    }

    /** Pays {@code amount} from one user to another's handle with a fresh Idempotency-Key. */
    public Response pay(User from, User to, String amount) {
        return post(
                "/v1/transfers",
                from.token(),
                UUID.randomUUID().toString(),
                Map.of("to_handle", to.handle(), "amount", amount, "currency", "USD"));
    }

    /** The user's available balance as a decimal string. */
    public String available(User user) {
        return get("/v1/accounts/me/balance", user.token())
                .json()
                .get("available")
                .asString();
    }

    private HttpRequest.Builder request(String path, String token) {
        HttpRequest.Builder builder =
                HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(30));
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        return builder;
    }

    private static Response send(HttpRequest request) {
        try {
            HttpResponse<String> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response);
        } catch (IOException exception) {
            throw new IllegalStateException(exception);
        } catch (InterruptedException exception) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(exception);
        }
    }
}
