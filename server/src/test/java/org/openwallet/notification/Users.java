package org.openwallet.notification;

import java.time.Duration;
import org.openwallet.Api;
import org.openwallet.Eventually;

/** Users for these tests. */
final class Users {
    private static final int MAX_ATTEMPTS = 5;
    private static final Duration RETRY_AFTER = Duration.ofSeconds(1);

    private Users() {
    }

    /**
     * A new signed-up, logged-in user. Login fails closed with 503 {@code service_unavailable} when
     * a Redis call of the login rate limiter times out (50 ms), which happens now and then on a
     * loaded test machine while Kafka and Debezium start; a client retries after Retry-After, and
     * so does this, a bounded number of times. These tests are not about login.
     */
    static Api.User create(Api api) {
        for (int attempt = 1; ; attempt++) {
            try {
                return api.newUser();
            } catch (IllegalStateException failed) {
                if (attempt == MAX_ATTEMPTS || failed.getMessage() == null || !failed.getMessage().contains("service_unavailable")) {
                    throw failed;
                }
                Eventually.pause(RETRY_AFTER);
            }
        }
    }
}
