/**
 * The feed: a projection of payment and friendship events into Apache Cassandra, and the
 * cursor-paginated feed API ({@code GET /v1/feed}, {@code /v1/feed/me}, {@code /v1/feed/public}).
 *
 * <p>The {@code feed} consumer (its own role and Kafka consumer group, as many instances as
 * partitions) copies each payment into the timelines that show it: the two parties' own activity,
 * their social feeds, the social feeds of their friends (fan-out on write, bounded by the friend
 * limit) and, when public, the public timeline. Every write is keyed by the event and stamped with
 * the event's time, so replays and reordering converge on the same rows. Readers filter by the
 * visibility rules again, so the feed never shows what a reader may not see, even in the moment
 * between an unfriending and its clean-up.
 */
@ApplicationModule(
        allowedDependencies = {"events", "identity", "platform", "platform::config", "platform::crypto", "platform::web"
        })
package org.openwallet.feed;

import org.springframework.modulith.ApplicationModule;
