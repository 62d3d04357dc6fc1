package org.openwallet.feed;

import java.util.List;

/**
 * The three visibilities, from the most public to the most private, and the one rule of who gets a
 * copy of a payment: the posting path, a narrowing and a new friendship's backfill all ask
 * {@link #reaches}, so they cannot drift apart.
 */
final class Visibility {
    static final String PUBLIC = "public";
    static final String FRIENDS = "friends";
    static final String PRIVATE = "private";
    private static final List<String> ORDER = List.of(PUBLIC, FRIENDS, PRIVATE);

    private Visibility() {
    }

    /** Whose timelines a copy of a payment is in, seen from the payment's two parties. */
    enum Audience {
        /** The parties' own activity and social feeds: every payment, whatever its visibility. */
        PARTIES,
        /** The social feed of a friend of either party. */
        FRIENDS,
        /** The public timeline. */
        PUBLIC
    }

    /** Whether a payment of {@code visibility} (already narrowed: see {@link #mostPrivate}) has a copy in {@code audience}'s timelines. */
    static boolean reaches(String visibility, Audience audience) {
        return switch (audience) {
            case PARTIES -> true;
            case FRIENDS -> !visibility.equals(PRIVATE);
            case PUBLIC -> visibility.equals(PUBLIC);
        };
    }

    static boolean isValid(String visibility) {
        return ORDER.contains(visibility);
    }

    /** The more private of the two; null counts as no choice. */
    static String mostPrivate(String one, String other) {
        if (one == null) {
            return other;
        }
        if (other == null) {
            return one;
        }
        return ORDER.indexOf(one) >= ORDER.indexOf(other) ? one : other;
    }
}
