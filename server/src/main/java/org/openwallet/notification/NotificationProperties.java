package org.openwallet.notification;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.context.annotation.Configuration;

/** Settings of notification delivery ({@code wallet.notifications.*}). */
@ConfigurationProperties("wallet.notifications")
record NotificationProperties(@DefaultValue Webhook webhook) {

    /**
     * The webhook channel.
     *
     * @param allowPrivateAddresses whether URLs may point at loopback, private or link-local
     *                              addresses; off by default so a user cannot make the wallet call
     *                              its own internal network (SSRF)
     * @param threads               deliveries in flight at once
     * @param queueCapacity         deliveries waiting for a thread; beyond it new ones are dropped
     * @param perUserLimit          one user's deliveries queued or in flight; beyond it that user's
     *                              new ones are dropped (the notification itself stays in the app),
     *                              so one slow endpoint cannot fill the queue everyone shares
     * @param maxAttempts           attempts per delivery, the first included
     * @param firstRetryDelay       the wait before the second attempt; it doubles for each further one
     */
    record Webhook(
            @DefaultValue("false") boolean allowPrivateAddresses,
            @DefaultValue("4") int threads,
            @DefaultValue("1000") int queueCapacity,
            @DefaultValue("20") int perUserLimit,
            @DefaultValue("2s") Duration connectTimeout,
            @DefaultValue("5s") Duration requestTimeout,
            @DefaultValue("3") int maxAttempts,
            @DefaultValue("500ms") Duration firstRetryDelay) {

        Webhook {
            if (threads < 1 || queueCapacity < 1 || perUserLimit < 1 || maxAttempts < 1) {
                throw new IllegalArgumentException(
                        "wallet.notifications.webhook threads, queue-capacity, per-user-limit and max-attempts must be at least 1");
            }
            if (connectTimeout.isNegative()
                    || connectTimeout.isZero()
                    || requestTimeout.isNegative()
                    || requestTimeout.isZero()
                    || firstRetryDelay.isNegative()) {
                throw new IllegalArgumentException("wallet.notifications.webhook timeouts must be positive");
            }
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(NotificationProperties.class)
    static class Enable {}
}
