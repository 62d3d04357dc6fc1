package org.openwallet.notification;

/**
 * A way to tell the user about a notification outside the app: a webhook, APNs, FCM. Every
 * channel bean receives every new notification once, after it was stored.
 *
 * <p>Implementations decide themselves whether the user uses them (a configured URL, a device
 * token) and must not block the caller: it is the event consumer, and a slow phone provider must
 * not hold up the partition. Delivery is best effort; the stored notification is the truth.
 */
public interface NotificationChannel {
    void deliver(Notification notification);
}
