package org.openwallet.feed;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.openwallet.events.Event;
import org.openwallet.events.EventHandler;
import org.openwallet.events.PoisonEventException;
import org.openwallet.identity.Visibility;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/**
 * The {@code feed} consumer: projects payment and friendship events into the timelines.
 *
 * <ul>
 *   <li>{@code transfer.posted}: each party's activity and social feed (with the amount); when not
 *       private, the social feed of every friend of either party (without it); when public, the
 *       public timeline.</li>
 *   <li>{@code transfer.visibility_changed}: every copy takes the new visibility; copies the new
 *       visibility no longer allows are deleted.</li>
 *   <li>{@code friendship.created}: both keep the other in their friend list, and each gets the
 *       other's recent payments that the posting path would have shown a friend (narrowings
 *       included: {@link Audience#reaches}).</li>
 *   <li>{@code friendship.removed}: the friend lists lose each other, and each feed loses the rows
 *       that only the former friend explained.</li>
 * </ul>
 *
 * <p>Rows are keyed by the transfer (its id and time, never the time of consumption) and written
 * with the event's time as the write timestamp; deletes too. So a replayed event rewrites the same
 * rows, and an event applied late cannot undo a later one (a delete at a later time shadows an
 * older insert).
 */
@Component
class FeedWriter implements EventHandler {
    static final String NAME = "feed";
    static final String TRANSFER_TOPIC = "wallet.transfer";
    static final String FRIENDSHIP_TOPIC = "wallet.friendship";

    private final FeedStore store;
    private final FeedProperties properties;
    private final Clock clock;
    private final FeedLag lag;

    FeedWriter(FeedStore store, FeedProperties properties, Clock clock, FeedLag lag) {
        this.store = store;
        this.properties = properties;
        this.clock = clock;
        this.lag = lag;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<String> topics() {
        return Set.of(TRANSFER_TOPIC, FRIENDSHIP_TOPIC);
    }

    @Override
    public String role() {
        return "feed";
    }

    /** Its effects are Cassandra writes, idempotent by construction: no PostgreSQL transaction. */
    @Override
    public boolean transactional() {
        return false;
    }

    /**
     * Payments of different senders (and friendships of different pairs) are independent; each
     * one's own events, a payment and its narrowings, stay in order under one key.
     */
    @Override
    public int parallelism() {
        return properties.parallelism();
    }

    @Override
    public void apply(Event event) {
        switch (event.type()) {
            case "transfer.posted" -> posted(event);
            case "transfer.visibility_changed" -> visibilityChanged(event);
            case "friendship.created" -> friendshipCreated(event);
            case "friendship.removed" -> friendshipRemoved(event);
            default -> {
                // Another consumer's event type: not for the feed.
            }
        }
    }

    private void posted(Event event) {
        JsonNode payload = payload(event, 1);
        UUID from = uuid(event, payload, "from_user_id");
        UUID to = uuid(event, payload, "to_user_id");
        FeedItem item = new FeedItem(
                uuid(event, payload, "transfer_id"),
                instant(event, payload, "created_at"),
                from,
                text(event, payload, "from_handle"),
                to,
                text(event, payload, "to_handle"),
                optionalText(payload, "note"),
                visibility(event, payload),
                text(event, payload, "amount"),
                text(event, payload, "currency"));
        // A narrowing already applied (this event replayed after it) still holds for the copies written now.
        item = narrowed(item, store.narrowedVisibility(item.transferId()));
        long writeTime = micros(event.occurredAt());
        FeedStore.Writes writes = store.writes();
        List<Timeline> copies = new ArrayList<>();
        for (UUID party : List.of(from, to)) {
            copies.add(Timeline.activity(party));
            copies.add(Timeline.feed(party));
            store.putItem(writes, Timeline.activity(party), item, writeTime);
            store.putItem(writes, Timeline.feed(party), item, writeTime);
        }
        if (Audience.FRIENDS.reaches(item.visibility())) {
            FeedItem copy = item.withoutAmount();
            Set<UUID> fromFriends = store.friendsOf(from);
            Set<UUID> toFriends = store.friendsOf(to);
            Set<UUID> audience = new HashSet<>(fromFriends);
            audience.addAll(toFriends);
            audience.remove(from);
            audience.remove(to);
            for (UUID friend : audience) {
                Timeline feed = Timeline.feed(friend);
                copies.add(feed);
                store.putItem(writes, feed, copy, writeTime);
                if (fromFriends.contains(friend)) {
                    store.putByFriend(writes, feed, from, copy, writeTime);
                }
                if (toFriends.contains(friend)) {
                    store.putByFriend(writes, feed, to, copy, writeTime);
                }
            }
            if (Audience.PUBLIC.reaches(item.visibility())) {
                copies.add(Timeline.PUBLIC);
                store.putItem(writes, Timeline.PUBLIC, copy, writeTime);
            }
        }
        store.putCopies(writes, item, copies, writeTime);
        writes.await();
        lag.record(Duration.between(item.createdAt(), clock.instant()));
    }

    private void visibilityChanged(Event event) {
        JsonNode payload = payload(event, 1);
        UUID transferId = uuid(event, payload, "transfer_id");
        UUID from = uuid(event, payload, "from_user_id");
        UUID to = uuid(event, payload, "to_user_id");
        Visibility visibility = visibility(event, payload);
        long changedAt = micros(instant(event, payload, "changed_at"));
        // The narrowing is durable before the copies are read: a backfill running meanwhile either
        // reads it (and copies accordingly, or narrows its copy after the fact), or wrote its copy
        // before the read below, which then lists it.
        FeedStore.Writes recorded = store.writes();
        store.putNarrowedVisibility(recorded, transferId, visibility, changedAt);
        recorded.await();
        FeedStore.Writes writes = store.writes();
        Set<String> partyTimelines = Set.of(
                Timeline.activity(from).key(),
                Timeline.activity(to).key(),
                Timeline.feed(from).key(),
                Timeline.feed(to).key());
        for (FeedStore.Copied copied : store.copiesOf(transferId)) {
            FeedStore.Copy copy = copied.copy();
            Audience audience = partyTimelines.contains(copy.timeline())
                    ? Audience.PARTIES
                    : copy.timeline().equals(Timeline.PUBLIC.key()) ? Audience.PUBLIC : Audience.FRIENDS;
            // A new friend's backfill may have copied the payment after it was narrowed but before
            // the feed applied the narrowing (friendships and payments are on different topics, so
            // their order is not kept), at the friendship's time, later than the narrowing's. The
            // narrowing is written just after such a copy so that it wins, as it would have had it
            // been applied first.
            narrowCopy(
                    writes, copy, transferId, visibility, audience, Math.max(changedAt, copied.writtenAtMicros() + 1));
        }
        writes.await();
    }

    /** Gives a copy its narrowed visibility, or deletes it when that visibility no longer reaches the copy's timeline. */
    private void narrowCopy(
            FeedStore.Writes writes,
            FeedStore.Copy copy,
            UUID transferId,
            Visibility visibility,
            Audience audience,
            long writeTime) {
        if (audience.reaches(visibility)) {
            store.updateVisibility(writes, copy, transferId, visibility, writeTime);
        } else {
            store.deleteItem(writes, copy, transferId, writeTime);
        }
    }

    private void friendshipCreated(Event event) {
        JsonNode payload = payload(event, 1);
        UUID a = uuid(event, payload, "user_a");
        UUID b = uuid(event, payload, "user_b");
        long writeTime = micros(instant(event, payload, "since"));
        FeedStore.Writes writes = store.writes();
        store.putFriend(writes, a, b, text(event, payload, "handle_b"), writeTime);
        store.putFriend(writes, b, a, text(event, payload, "handle_a"), writeTime);
        Map<Timeline, List<FeedItem>> backfilled = Map.of(
                Timeline.feed(a),
                backfill(writes, a, b, writeTime),
                Timeline.feed(b),
                backfill(writes, b, a, writeTime));
        writes.await();
        narrowBackfilled(backfilled, writeTime);
    }

    /**
     * Copies {@code friend}'s most recent payments into {@code user}'s feed, those the posting path
     * would have given a friend: narrowed as the posting path narrows them, and only where
     * {@link Audience#reaches} friends. Returns the copies made.
     */
    private List<FeedItem> backfill(FeedStore.Writes writes, UUID user, UUID friend, long writeTime) {
        Timeline activity = Timeline.activity(friend);
        Timeline feed = Timeline.feed(user);
        int wanted = properties.backfillItems();
        List<FeedItem> copied = new ArrayList<>();
        Integer bucket = wanted == 0 ? null : store.newestBucket(activity);
        // The newest page of the newest few buckets at most: a backfill is a courtesy, not a history import.
        for (int buckets = 0; bucket != null && copied.size() < wanted && buckets < 3; buckets++) {
            List<FeedItem> others = store.page(activity, bucket, null, wanted).stream()
                    .map(FeedStore.Stored::item)
                    .filter(item -> !item.involves(user))
                    .toList();
            Map<UUID, Visibility> narrowings = store.narrowedVisibilities(
                    others.stream().map(FeedItem::transferId).toList());
            for (FeedItem item : others) {
                FeedItem copy =
                        narrowed(item, narrowings.get(item.transferId())).withoutAmount();
                if (copied.size() < wanted && Audience.FRIENDS.reaches(copy.visibility())) {
                    store.putItem(writes, feed, copy, writeTime);
                    store.putCopies(writes, copy, List.of(feed), writeTime);
                    store.putByFriend(writes, feed, friend, copy, writeTime);
                    copied.add(copy);
                }
            }
            bucket = store.bucketBefore(activity, bucket);
        }
        return copied;
    }

    /**
     * Narrows again the copies a backfill just made, now that they are durable: a narrowing applied
     * meanwhile read the payment's copies before these existed, so it is applied to them here,
     * just after the backfill's own write time.
     */
    private void narrowBackfilled(Map<Timeline, List<FeedItem>> backfilled, long writeTime) {
        List<UUID> transferIds = backfilled.values().stream()
                .flatMap(List::stream)
                .map(FeedItem::transferId)
                .distinct()
                .toList();
        Map<UUID, Visibility> narrowings = store.narrowedVisibilities(transferIds);
        FeedStore.Writes writes = store.writes();
        backfilled.forEach((feed, copies) -> {
            for (FeedItem copy : copies) {
                Visibility visibility = Visibility.morePrivateOf(narrowings.get(copy.transferId()), copy.visibility());
                if (visibility != copy.visibility()) {
                    narrowCopy(
                            writes,
                            new FeedStore.Copy(feed.key(), feed.bucket(copy.createdAt()), copy.createdAt()),
                            copy.transferId(),
                            visibility,
                            Audience.FRIENDS,
                            writeTime + 1);
                }
            }
        });
        writes.await();
    }

    /** The payment as its copies show it: its own visibility, narrowed by what a party chose later ({@code narrowing}, null if nothing). */
    private static FeedItem narrowed(FeedItem item, Visibility narrowing) {
        return item.withVisibility(Visibility.morePrivateOf(narrowing, item.visibility()));
    }

    private void friendshipRemoved(Event event) {
        JsonNode payload = payload(event, 1);
        UUID a = uuid(event, payload, "user_a");
        UUID b = uuid(event, payload, "user_b");
        long writeTime = micros(instant(event, payload, "removed_at"));
        FeedStore.Writes writes = store.writes();
        store.deleteFriend(writes, a, b, writeTime);
        store.deleteFriend(writes, b, a, writeTime);
        writes.await();
        writes = store.writes();
        removeExplainedBy(writes, a, b, writeTime);
        removeExplainedBy(writes, b, a, writeTime);
        writes.await();
    }

    /** Deletes from {@code user}'s feed the rows there because of {@code formerFriend} that no remaining friend explains. */
    private void removeExplainedBy(FeedStore.Writes writes, UUID user, UUID formerFriend, long writeTime) {
        Timeline feed = Timeline.feed(user);
        Set<UUID> friends = store.friendsOf(user);
        for (FeedStore.ByFriend row : store.byFriend(feed, formerFriend)) {
            if (!friends.contains(row.counterparty())) {
                store.deleteItem(
                        writes,
                        new FeedStore.Copy(feed.key(), row.bucket(), row.createdAt()),
                        row.transferId(),
                        writeTime);
            }
            store.deleteByFriend(writes, feed, formerFriend, row, writeTime);
        }
    }

    private static JsonNode payload(Event event, int version) {
        if (event.version() != version) {
            throw new PoisonEventException(event.type() + " version " + event.version()
                    + " is unknown to the feed (it reads version " + version + ")");
        }
        if (event.payload() == null || !event.payload().isObject()) {
            throw new PoisonEventException(event.type() + " has no payload object");
        }
        return event.payload();
    }

    private static String text(Event event, JsonNode payload, String field) {
        JsonNode value = payload.get(field);
        if (value == null || !value.isString() || value.asString().isBlank()) {
            throw new PoisonEventException(event.type() + " has no '" + field + "'");
        }
        return value.asString();
    }

    private static String optionalText(JsonNode payload, String field) {
        JsonNode value = payload.get(field);
        return value == null || !value.isString() ? null : value.asString();
    }

    private static UUID uuid(Event event, JsonNode payload, String field) {
        String value = text(event, payload, field);
        try {
            return UUID.fromString(value);
        } catch (IllegalArgumentException notUuid) {
            throw new PoisonEventException(event.type() + " has a '" + field + "' that is no UUID: " + value);
        }
    }

    private static Instant instant(Event event, JsonNode payload, String field) {
        String value = text(event, payload, field);
        try {
            return Instant.parse(value).truncatedTo(ChronoUnit.MICROS);
        } catch (DateTimeParseException notTime) {
            throw new PoisonEventException(event.type() + " has a '" + field + "' that is no time: " + value);
        }
    }

    private static Visibility visibility(Event event, JsonNode payload) {
        String visibility = text(event, payload, "visibility");
        return Visibility.fromWire(visibility)
                .orElseThrow(
                        () -> new PoisonEventException(event.type() + " has an unknown visibility: " + visibility));
    }

    private static long micros(Instant instant) {
        return ChronoUnit.MICROS.between(Instant.EPOCH, instant);
    }
}
