package org.openwallet.feed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.openwallet.Api;
import tools.jackson.databind.JsonNode;

/** Reads feeds and sets up friendships over HTTP, as a client would; waits for the feed to catch up. */
final class FeedClient {
    static final Duration WAIT = Duration.ofSeconds(30);

    private final Api api;

    FeedClient(Api api) {
        this.api = api;
    }

    /** Makes two users friends: one asks, the other accepts. */
    void befriend(Api.User one, Api.User other) {
        Api.Response request = api.post("/v1/friends/requests", one.token(), null, Map.of("to_handle", other.handle()));
        assertThat(request.status()).as(request.body()).isIn(200, 201);
        String id = request.json().get("id").asString();
        Api.Response accept = api.post("/v1/friends/requests/" + id + "/accept", other.token(), null, Map.of());
        assertThat(accept.status()).as(accept.body()).isEqualTo(200);
    }

    /** Pays and returns the transfer id. */
    String pay(Api.User from, Api.User to, String amount, String visibility, String note) {
        Map<String, String> body =
                new java.util.HashMap<>(Map.of("to_handle", to.handle(), "amount", amount, "currency", "USD"));
        if (visibility != null) {
            body.put("visibility", visibility);
        }
        if (note != null) {
            body.put("note", note);
        }
        Api.Response paid =
                api.post("/v1/transfers", from.token(), UUID.randomUUID().toString(), body);
        assertThat(paid.status()).as(paid.body()).isEqualTo(201);
        return paid.json().get("id").asString();
    }

    Api.Response page(String path, Api.User reader, String query) {
        return api.get(path + (query.isEmpty() ? "" : "?" + query), reader.token());
    }

    /** Every item of a feed, following cursors; fails on a duplicate or an empty page with a cursor. */
    List<JsonNode> all(String path, Api.User reader, int limit) {
        List<JsonNode> items = new ArrayList<>();
        String cursor = null;
        do {
            Api.Response page = page(path, reader, "limit=" + limit + (cursor == null ? "" : "&cursor=" + cursor));
            assertThat(page.status()).as(page.body()).isEqualTo(200);
            JsonNode next = page.json().get("next_cursor");
            cursor = next == null ? null : next.asString();
            page.json().get("items").forEach(items::add);
            if (cursor != null) {
                assertThat(page.json().get("items").size())
                        .as("a page with a next cursor is full")
                        .isEqualTo(limit);
            }
        } while (cursor != null);
        assertThat(items.stream()
                        .map(item -> item.get("transfer_id").asString())
                        .distinct()
                        .count())
                .as("no item twice")
                .isEqualTo(items.size());
        return items;
    }

    List<String> ids(String path, Api.User reader) {
        return all(path, reader, 100).stream()
                .map(item -> item.get("transfer_id").asString())
                .toList();
    }

    /** Waits until the feed's item ids satisfy {@code condition}; returns them. */
    List<String> awaitIds(String path, Api.User reader, Predicate<List<String>> condition) {
        return awaitIds(path, reader, condition, WAIT);
    }

    /** Waits until the feed can be read and its item ids satisfy {@code condition}; returns them. */
    List<String> awaitIds(String path, Api.User reader, Predicate<List<String>> condition, Duration wait) {
        // An unreadable feed (the consumer or Cassandra not there yet) is an AssertionError of ids(): wait on.
        return await(path + " of @" + reader.handle())
                .atMost(wait)
                .ignoreExceptionsInstanceOf(AssertionError.class)
                .until(() -> ids(path, reader), condition);
    }

    /** The item of {@code transferId} in the reader's feed, once it is there. */
    JsonNode awaitItem(String path, Api.User reader, String transferId) {
        awaitIds(path, reader, ids -> ids.contains(transferId));
        return all(path, reader, 100).stream()
                .filter(item -> item.get("transfer_id").asString().equals(transferId))
                .findFirst()
                .orElseThrow();
    }
}
