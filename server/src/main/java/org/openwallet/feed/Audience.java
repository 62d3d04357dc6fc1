package org.openwallet.feed;

import org.openwallet.identity.Visibility;

/**
 * Whose timelines a copy of a payment is in, seen from the payment's two parties, and the one rule
 * of who gets a copy: the posting path, a narrowing, a new friendship's backfill and the readers all
 * ask {@link #reaches}, so they cannot drift apart.
 */
enum Audience {
    /** The parties' own activity and social feeds: every payment, whatever its visibility. */
    PARTIES(Visibility.PRIVATE),
    /** The social feed of a friend of either party. */
    FRIENDS(Visibility.FRIENDS),
    /** The public timeline. */
    PUBLIC(Visibility.PUBLIC);

    /** The most private visibility this audience still sees. */
    private final Visibility mostPrivateSeen;

    Audience(Visibility mostPrivateSeen) {
        this.mostPrivateSeen = mostPrivateSeen;
    }

    /** Whether a payment of {@code visibility} (already narrowed) has a copy in this audience's timelines. */
    boolean reaches(Visibility visibility) {
        return !visibility.isMorePrivateThan(mostPrivateSeen);
    }
}
