package org.openwallet.feed;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openwallet.Api;
import org.openwallet.WalletIntegrationTest;
import org.openwallet.events.Event;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A new friend's backfill shows exactly what the posting path would have shown a friend: the same
 * visibilities, the same narrowings, whatever order the feed applies the events in. Payments and
 * narrowings travel on {@code wallet.transfer}, friendships on {@code wallet.friendship}, so Kafka
 * keeps no order between them: a narrowing made before a friendship may be applied after its
 * backfill. The events are handed to the feed consumer directly, in the orders Kafka may deliver
 * them, and the feeds are read back over HTTP from the real Cassandra.
 *
 * <p>Bob pays Carol five times, one of each visibility, two of them made more private later.
 * Olga was Bob's friend before (she got the payments on the posting path); Nina becomes his friend
 * after the narrowings were applied, Rita before they were applied, though after they were made.
 */
class FeedBackfillVisibilityTest extends WalletIntegrationTest {
    @Autowired
    FeedWriter writer;

    @Autowired
    JsonMapper json;

    FeedClient feeds;
    Api.User bob;
    Api.User carol;
    Api.User olga;
    Api.User nina;
    Api.User rita;

    @BeforeEach
    void people() {
        feeds = new FeedClient(api);
        bob = api.newUser();
        carol = api.newUser();
        olga = api.newUser();
        nina = api.newUser();
        rita = api.newUser();
    }

    @Test
    void newFriend_backfill_showsWhatThePostingPathShows_narrowingsIncluded_inEitherOrder() {
        Instant start = Instant.now().truncatedTo(ChronoUnit.MICROS).minusSeconds(60);
        writer.apply(friendshipCreated(olga, bob, start));
        Map<String, UUID> paid = new LinkedHashMap<>();
        int second = 1;
        for (String name : List.of("public", "friends", "private", "publicThenPrivate", "publicThenFriends")) {
            UUID id = UUID.randomUUID();
            String visibility = name.startsWith("public") ? "public" : name;
            writer.apply(posted(id, bob, carol, visibility, start.plusSeconds(second++)));
            paid.put(name, id);
        }
        Instant narrowedAt = start.plusSeconds(20);
        Event toPrivate = visibilityChanged(paid.get("publicThenPrivate"), bob, carol, "private", narrowedAt);
        Event toFriends = visibilityChanged(paid.get("publicThenFriends"), bob, carol, "friends", narrowedAt);

        // Rita's friendship was made after the narrowings but is applied before them; Nina's after them.
        writer.apply(friendshipCreated(rita, bob, start.plusSeconds(30)));
        writer.apply(toPrivate);
        writer.apply(toFriends);
        writer.apply(friendshipCreated(nina, bob, start.plusSeconds(40)));

        Map<String, String> expected = Map.of(
                paid.get("public").toString(),
                "public",
                paid.get("friends").toString(),
                "friends",
                paid.get("publicThenFriends").toString(),
                "friends");
        assertThat(bobsPayments(olga))
                .as("the posting path, narrowings applied")
                .isEqualTo(expected);
        assertThat(bobsPayments(nina)).as("a backfill after the narrowings").isEqualTo(expected);
        assertThat(bobsPayments(rita))
                .as("a backfill before narrowings made earlier")
                .isEqualTo(expected);
        assertThat(bobsPayments(bob))
                .as("the parties keep every payment")
                .containsOnlyKeys(paid.values().stream().map(UUID::toString).toArray(String[]::new))
                .containsEntry(paid.get("publicThenPrivate").toString(), "private");
    }

    /** The reader's social feed: Bob's payments there, by id, with the visibility shown. */
    private Map<String, String> bobsPayments(Api.User reader) {
        Map<String, String> shown = new LinkedHashMap<>();
        for (JsonNode item : feeds.all("/v1/feed", reader, 100)) {
            if (item.get("from_user_id").asString().equals(bob.id().toString())) {
                shown.put(
                        item.get("transfer_id").asString(),
                        item.get("visibility").asString());
            }
        }
        return shown;
    }

    private Event posted(UUID transferId, Api.User from, Api.User to, String visibility, Instant at) {
        return event(
                "transfer.posted",
                FeedWriter.TRANSFER_TOPIC,
                from.id().toString(),
                at,
                Map.of(
                        "transfer_id",
                        transferId.toString(),
                        "from_user_id",
                        from.id().toString(),
                        "from_handle",
                        from.handle(),
                        "to_user_id",
                        to.id().toString(),
                        "to_handle",
                        to.handle(),
                        "amount",
                        "5.00",
                        "currency",
                        "USD",
                        "note",
                        visibility,
                        "visibility",
                        visibility,
                        "created_at",
                        at.toString()));
    }

    private Event visibilityChanged(UUID transferId, Api.User from, Api.User to, String visibility, Instant at) {
        return event(
                "transfer.visibility_changed",
                FeedWriter.TRANSFER_TOPIC,
                from.id().toString(),
                at,
                Map.of(
                        "transfer_id",
                        transferId.toString(),
                        "from_user_id",
                        from.id().toString(),
                        "to_user_id",
                        to.id().toString(),
                        "visibility",
                        visibility,
                        "changed_by",
                        to.id().toString(),
                        "changed_at",
                        at.toString()));
    }

    private Event friendshipCreated(Api.User one, Api.User other, Instant since) {
        Api.User a = one.id().compareTo(other.id()) < 0 ? one : other;
        Api.User b = a == one ? other : one;
        return event(
                "friendship.created",
                FeedWriter.FRIENDSHIP_TOPIC,
                a.id() + ":" + b.id(),
                since,
                Map.of(
                        "user_a",
                        a.id().toString(),
                        "handle_a",
                        a.handle(),
                        "user_b",
                        b.id().toString(),
                        "handle_b",
                        b.handle(),
                        "since",
                        since.toString()));
    }

    private Event event(String type, String topic, String key, Instant at, Map<String, String> payload) {
        return new Event(UUID.randomUUID(), type, 1, at, "test", json.valueToTree(payload), topic, key);
    }
}
