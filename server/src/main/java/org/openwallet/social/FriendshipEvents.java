package org.openwallet.social;

import java.util.UUID;

/**
 * Payloads of the {@code friendship.*} events, version 1 (schemas in {@code events/}). Published on
 * {@code wallet.friendship}, keyed by the pair ({@code <smaller id>:<larger id>}), so the events of
 * one pair stay in order. {@code user_a} is always the smaller id.
 */
final class FriendshipEvents {
    static final String AGGREGATE = "friendship";
    static final String CREATED = "friendship.created";
    static final String REMOVED = "friendship.removed";
    static final int VERSION = 1;

    private FriendshipEvents() {}

    record Created(UUID userA, String handleA, UUID userB, String handleB, String since) {}

    record Removed(UUID userA, UUID userB, UUID removedBy, String since, String removedAt) {}

    /** The Kafka key of a pair: the same whichever of the two acts. */
    static String pairKey(UUID one, UUID other) {
        return one.compareTo(other) < 0 ? one + ":" + other : other + ":" + one;
    }
}
