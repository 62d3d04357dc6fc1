package org.openwallet.notification;

import java.util.UUID;

/**
 * A notification as the API and the webhook show it to its user. {@code created_at} is when the
 * notification was made, a moment after what it reports (the transfer has its own time).
 */
record NotificationView(
        UUID id,
        String kind,
        UUID transferId,
        UUID fromUserId,
        String fromHandle,
        String amount,
        String currency,
        String text,
        String createdAt,
        boolean read) {

    static NotificationView of(Notification notification) {
        return new NotificationView(
                notification.id(),
                notification.kind(),
                notification.transferId(),
                notification.fromUserId(),
                notification.fromHandle(),
                notification.amount(),
                notification.currency(),
                notification.text(),
                notification.createdAt().toString(),
                notification.read());
    }
}
