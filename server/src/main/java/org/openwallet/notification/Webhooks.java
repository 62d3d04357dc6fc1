package org.openwallet.notification;

import java.net.URI;
import java.security.SecureRandom;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/** Each user's webhook: where to send notifications and the secret that signs them. */
@Service
class Webhooks {
    static final int SECRET_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final JdbcClient jdbc;
    private final Clock clock;

    Webhooks(JdbcClient jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    record Webhook(URI url, String secret) {}

    /**
     * Stores {@code url} as the user's webhook with a fresh secret, replacing any earlier one, and
     * returns the secret: this is the only time it is shown, so a lost secret is replaced, not read.
     */
    String replace(UUID userId, URI url) {
        byte[] random = new byte[SECRET_BYTES];
        RANDOM.nextBytes(random);
        String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        jdbc.sql("""
                INSERT INTO notification_webhooks (user_id, url, secret, updated_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (user_id) DO UPDATE SET url = excluded.url, secret = excluded.secret, updated_at = excluded.updated_at
                """)
                .params(
                        userId,
                        url.toString(),
                        secret,
                        Timestamp.from(clock.instant().truncatedTo(ChronoUnit.MICROS)))
                .update();
        return secret;
    }

    Optional<Webhook> find(UUID userId) {
        return jdbc.sql("SELECT url, secret FROM notification_webhooks WHERE user_id = ?")
                .param(userId)
                .query((row, rowNumber) -> new Webhook(URI.create(row.getString("url")), row.getString("secret")))
                .optional();
    }

    void delete(UUID userId) {
        jdbc.sql("DELETE FROM notification_webhooks WHERE user_id = ?")
                .param(userId)
                .update();
    }
}
