package org.openwallet.notification;

import java.time.Instant;
import java.util.UUID;

/**
 * One stored notification, as channels receive it.
 *
 * @param userId      whom it is for
 * @param kind        what happened; {@code transfer_received} so far
 * @param fromUserId  who caused it (the payer), or null for kinds without an actor
 * @param amount      a decimal string such as {@code "12.50"}, or null for kinds without money
 * @param text        the sentence shown to the user, e.g. {@code "@alice paid you 12.50 USD"}
 * @param read        whether the user marked it as read
 */
public record Notification(
        UUID id,
        UUID userId,
        String kind,
        UUID transferId,
        UUID fromUserId,
        String fromHandle,
        String amount,
        String currency,
        String text,
        Instant createdAt,
        boolean read) {}
