/**
 * Notifications: the {@code notifications} consumer turns {@code transfer.posted} events into an
 * in-app notification for the receiver ({@code GET /v1/notifications}, mark as read), and hands
 * each new notification to every {@link org.openwallet.notification.NotificationChannel} for
 * push-like delivery. The one real channel is a signed webhook to a URL the user configures
 * ({@code /v1/notifications/webhook}); APNs or FCM would be further channels.
 *
 * <p>A notification is stored exactly once per event (the event id is remembered with it, in the
 * same transaction); delivery through a channel happens after that transaction committed and is
 * best effort: at least once per attempt series, never blocking the consumer.
 */
@ApplicationModule(
        allowedDependencies = {"events", "identity", "platform", "platform::crypto", "platform::money", "platform::web"
        })
package org.openwallet.notification;

import org.springframework.modulith.ApplicationModule;
