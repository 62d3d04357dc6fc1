package org.openwallet.notification;

import io.github.resilience4j.retry.RetryRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/** The webhook channel: a notification goes to its user's webhook, if the user configured one. */
@Component
class WebhookChannel implements NotificationChannel, DisposableBean {
    private final Webhooks webhooks;
    private final JsonMapper json;
    private final WebhookSender sender;

    WebhookChannel(
            Webhooks webhooks,
            JsonMapper json,
            NotificationProperties properties,
            MeterRegistry meters,
            Clock clock,
            RetryRegistry retries) {
        this.webhooks = webhooks;
        this.json = json;
        this.sender = new WebhookSender(properties.webhook(), meters, clock, retries);
    }

    /** Looks the webhook up now (one indexed read) and queues the request; the HTTP call happens on the sender's threads. */
    @Override
    public void deliver(Notification notification) {
        webhooks.find(notification.userId())
                .ifPresent(webhook -> sender.submit(new WebhookSender.Delivery(
                        notification.userId(),
                        webhook.url(),
                        webhook.secret(),
                        notification.id().toString(),
                        json.writeValueAsBytes(NotificationView.of(notification)))));
    }

    @Override
    public void destroy() {
        sender.close();
    }
}
