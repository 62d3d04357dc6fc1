package org.openwallet.feed;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.UUID;

/**
 * A timeline and its partitioning. User timelines are bucketed by calendar month (UTC), the public
 * timeline by minute: a month of one user's feed, or a minute of all public payments, is a
 * partition of bounded size whatever the number of users.
 */
record Timeline(Kind kind, UUID owner) {
    enum Kind {
        /** A user's own payments, with amounts. */
        ACTIVITY("activity:"),
        /** A user's social feed: own payments and friends' non-private ones. */
        FEED("feed:"),
        /** Every public payment. */
        PUBLIC("public");

        private final String prefix;

        Kind(String prefix) {
            this.prefix = prefix;
        }
    }

    static Timeline activity(UUID user) {
        return new Timeline(Kind.ACTIVITY, user);
    }

    static Timeline feed(UUID user) {
        return new Timeline(Kind.FEED, user);
    }

    static final Timeline PUBLIC = new Timeline(Kind.PUBLIC, null);

    /** The partition key's text part, e.g. {@code feed:0193...}. */
    String key() {
        return kind == Kind.PUBLIC ? kind.prefix : kind.prefix + owner;
    }

    /** The bucket a payment made at {@code createdAt} falls in. */
    int bucket(Instant createdAt) {
        if (kind == Kind.PUBLIC) {
            return Math.toIntExact(createdAt.getEpochSecond() / 60);
        }
        ZonedDateTime utc = createdAt.atZone(ZoneOffset.UTC);
        return utc.getYear() * 100 + utc.getMonthValue();
    }
}
