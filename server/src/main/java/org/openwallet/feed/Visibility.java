package org.openwallet.feed;

import java.util.List;

/** The three visibilities, from the most public to the most private. */
final class Visibility {
    static final String PUBLIC = "public";
    static final String FRIENDS = "friends";
    static final String PRIVATE = "private";
    private static final List<String> ORDER = List.of(PUBLIC, FRIENDS, PRIVATE);

    private Visibility() {
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
