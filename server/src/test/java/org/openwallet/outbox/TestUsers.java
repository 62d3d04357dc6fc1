package org.openwallet.outbox;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.openwallet.Api;
import org.openwallet.Eventually;

/** Users for the outbox tests. */
final class TestUsers {
    private static final int MAX_LOGIN_ATTEMPTS = 10;
    private static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(1);

    private TestUsers() {
    }

    /**
     * Signs up a user and logs in. Login fails closed with 503 {@code service_unavailable} when a
     * Redis call of its rate limiter times out (50 ms), which happens on a loaded two-core machine
     * while Kafka and Debezium start next to the test; a client retries after Retry-After, and so
     * does this, a bounded number of times. Only the login is retried: the sign-up already happened.
     */
    static Api.User create(Api api) {
        String handle = "o" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
        Api.Response signUp = api.post("/v1/auth/signup", null, null, Map.of("handle", handle, "password", Api.PASSWORD));
        if (signUp.status() != 201) {
            throw new IllegalStateException("sign-up failed: " + signUp.status() + " " + signUp.body());
        }
        UUID id = UUID.fromString(signUp.json().get("user_id").asString());
        for (int attempt = 1; ; attempt++) {
            Api.Response login = api.post("/v1/auth/login", null, null, Map.of("handle", handle, "password", Api.PASSWORD));
            if (login.status() == 200) {
                return new Api.User(id, handle, login.json().get("access_token").asString());
            }
            if (login.status() != 503 || attempt == MAX_LOGIN_ATTEMPTS) {
                throw new IllegalStateException("login failed: " + login.status() + " " + login.body());
            }
            String retryAfter = login.header("Retry-After");
            Eventually.pause(retryAfter == null ? DEFAULT_RETRY_AFTER : Duration.ofSeconds(Long.parseLong(retryAfter)));
        }
    }
}
