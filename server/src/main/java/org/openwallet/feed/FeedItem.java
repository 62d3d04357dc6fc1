package org.openwallet.feed;

import java.time.Instant;
import java.util.UUID;
import org.openwallet.identity.Visibility;

/**
 * A payment as the feed stores it. {@code amount} and {@code currency} are set only in the rows of
 * the payment's two parties; no other timeline ever holds them.
 */
record FeedItem(
        UUID transferId,
        Instant createdAt,
        UUID fromUserId,
        String fromHandle,
        UUID toUserId,
        String toHandle,
        String note,
        Visibility visibility,
        String amount,
        String currency) {

    boolean involves(UUID user) {
        return fromUserId.equals(user) || toUserId.equals(user);
    }

    /** The copy for a timeline whose owner is not a party: no amount. */
    FeedItem withoutAmount() {
        return new FeedItem(
                transferId, createdAt, fromUserId, fromHandle, toUserId, toHandle, note, visibility, null, null);
    }

    FeedItem withVisibility(Visibility newVisibility) {
        return new FeedItem(
                transferId,
                createdAt,
                fromUserId,
                fromHandle,
                toUserId,
                toHandle,
                note,
                newVisibility,
                amount,
                currency);
    }
}
