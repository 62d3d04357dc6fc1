package org.openwallet.social;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.openwallet.Api;
import org.openwallet.OwnDataDirectory;
import org.openwallet.WalletIntegrationTest;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Friend requests and friendships through the API: asking, accepting, declining, unfriending,
 * the lists and their pages, every refusal with its stable code, what PostgreSQL and the outbox
 * hold afterwards, and the races the row locks must settle (two users asking each other at once,
 * one request accepted many times at once). The friend limit runs in a context of its own below.
 */
class FriendsApiTest extends WalletIntegrationTest {

    // --- helpers (static: the nested class with its own context uses them too) ---

    static Api.Response ask(Api api, Api.User from, String toHandle) {
        return api.post("/v1/friends/requests", from.token(), null, Map.of("to_handle", toHandle));
    }

    static Api.Response accept(Api api, Api.User user, String requestId) {
        return api.postRaw("/v1/friends/requests/" + requestId + "/accept", user.token(), null, "");
    }

    static Api.Response decline(Api api, Api.User user, String requestId) {
        return api.postRaw("/v1/friends/requests/" + requestId + "/decline", user.token(), null, "");
    }

    /** Sends a request that must be new (201) and returns its id. */
    static String requested(Api api, Api.User from, Api.User to) {
        Api.Response response = ask(api, from, to.handle());
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        return response.json().get("id").asString();
    }

    /** Makes the two users friends: one asks, the other accepts. */
    static void befriend(Api api, Api.User one, Api.User other) {
        Api.Response accepted = accept(api, other, requested(api, one, other));
        assertThat(accepted.status()).as(accepted.body()).isEqualTo(200);
        assertThat(accepted.json().get("status").asString()).isEqualTo("accepted");
    }

    /** All of the user's friends' ids, read with the largest page. */
    static List<UUID> friendIds(Api api, Api.User user) {
        Api.Response response = api.get("/v1/friends?limit=100", user.token());
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.json().has("next_cursor")).isFalse();
        return userIds(response.json());
    }

    static List<UUID> userIds(JsonNode page) {
        List<UUID> ids = new ArrayList<>();
        page.get("items")
                .forEach(item -> ids.add(UUID.fromString(item.get("user_id").asString())));
        return ids;
    }

    private List<String> requestIds(Api.User user, String direction) {
        Api.Response response = api.get("/v1/friends/requests?limit=100&direction=" + direction, user.token());
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        response.json().get("items").forEach(item -> ids.add(item.get("id").asString()));
        return ids;
    }

    static void assertProblem(Api.Response response, int status, String code) {
        assertThat(response.status()).as(response.body()).isEqualTo(status);
        assertThat(response.header("Content-Type")).startsWith("application/problem+json");
        assertThat(response.code()).as(response.body()).isEqualTo(code);
    }

    static String pairKey(UUID one, UUID other) {
        // PostgreSQL's (and the docs') order of UUIDs: their bytes, unsigned, which is their lower-case text.
        return one.toString().compareTo(other.toString()) < 0 ? one + ":" + other : other + ":" + one;
    }

    static int friendshipRows(JdbcClient db, Api.User one, Api.User other) {
        return db.sql(
                        "SELECT count(*) FROM friendships WHERE (user_id = ? AND friend_id = ?) OR (user_id = ? AND friend_id = ?)")
                .params(one.id(), other.id(), other.id(), one.id())
                .query(Integer.class)
                .single();
    }

    static int friendCount(JdbcClient db, Api.User user) {
        return db.sql("SELECT friend_count FROM users WHERE id = ?")
                .param(user.id())
                .query(Integer.class)
                .single();
    }

    static int friendshipsOf(JdbcClient db, Api.User user) {
        return db.sql("SELECT count(*) FROM friendships WHERE user_id = ?")
                .param(user.id())
                .query(Integer.class)
                .single();
    }

    static int events(JdbcClient db, String type, Api.User one, Api.User other) {
        return db.sql(
                        "SELECT count(*) FROM outbox_events WHERE event_type = ? AND aggregate_type = 'friendship' AND aggregate_id = ?")
                .params(type, pairKey(one.id(), other.id()))
                .query(Integer.class)
                .single();
    }

    // --- asking ---

    @Test
    void request_isCreatedPending_askingAgainReturnsIt_andBothListsShowIt() {
        Api.User alice = api.newUser();
        Api.User bob = api.newUser();

        Api.Response created = ask(api, alice, bob.handle());
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        JsonNode request = created.json();
        assertThat(request.get("status").asString()).isEqualTo("pending");
        assertThat(request.get("from_user_id").asString()).isEqualTo(alice.id().toString());
        assertThat(request.get("from_handle").asString()).isEqualTo(alice.handle());
        assertThat(request.get("to_user_id").asString()).isEqualTo(bob.id().toString());
        assertThat(request.get("to_handle").asString()).isEqualTo(bob.handle());
        assertThat(request.has("created_at")).isTrue();
        assertThat(request.has("decided_at")).as("not decided yet").isFalse();
        String id = request.get("id").asString();

        Api.Response again = ask(api, alice, bob.handle().toUpperCase(java.util.Locale.ROOT));
        assertThat(again.status()).as(again.body()).isEqualTo(200);
        assertThat(again.json().get("id").asString()).isEqualTo(id);
        assertThat(again.json().get("status").asString()).isEqualTo("pending");

        assertThat(requestIds(bob, "incoming")).containsExactly(id);
        assertThat(requestIds(alice, "outgoing")).containsExactly(id);
        assertThat(requestIds(alice, "incoming")).isEmpty();
        assertThat(requestIds(bob, "outgoing")).isEmpty();
        Api.Response byDefault = api.get("/v1/friends/requests", bob.token());
        assertThat(byDefault.json().get("items").get(0).get("id").asString())
                .as("incoming is the default")
                .isEqualTo(id);
        assertThat(jdbc.sql("SELECT count(*) FROM friend_requests WHERE from_user_id = ? AND to_user_id = ?")
                        .params(alice.id(), bob.id())
                        .query(Integer.class)
                        .single())
                .as("one row, however often asked")
                .isEqualTo(1);
        assertThat(friendIds(api, alice)).isEmpty();
        assertThat(friendIds(api, bob)).isEmpty();
    }

    @Test
    void accept_makesBothFriends_acceptingAgainChangesNothing_andDecliningItIsRefused() {
        Api.User alice = api.newUser();
        Api.User bob = api.newUser();
        String id = requested(api, alice, bob);

        Api.Response accepted = accept(api, bob, id);
        assertThat(accepted.status()).as(accepted.body()).isEqualTo(200);
        assertThat(accepted.json().get("id").asString()).isEqualTo(id);
        assertThat(accepted.json().get("status").asString()).isEqualTo("accepted");
        String decidedAt = accepted.json().get("decided_at").asString();

        assertThat(friendIds(api, alice)).containsExactly(bob.id());
        assertThat(friendIds(api, bob)).containsExactly(alice.id());
        JsonNode friend =
                api.get("/v1/friends", alice.token()).json().get("items").get(0);
        assertThat(friend.get("handle").asString()).isEqualTo(bob.handle());
        assertThat(friend.get("since").asString()).isEqualTo(decidedAt);
        assertThat(requestIds(bob, "incoming")).as("no longer open").isEmpty();
        assertThat(requestIds(alice, "outgoing")).isEmpty();

        Api.Response again = accept(api, bob, id);
        assertThat(again.status()).as(again.body()).isEqualTo(200);
        assertThat(again.json().get("status").asString()).isEqualTo("accepted");
        assertThat(again.json().get("decided_at").asString()).as("unchanged").isEqualTo(decidedAt);

        assertProblem(decline(api, bob, id), 409, "friend_request_closed");
        assertThat(friendIds(api, bob)).containsExactly(alice.id());

        assertThat(friendshipRows(jdbc, alice, bob)).isEqualTo(2);
        assertThat(friendCount(jdbc, alice)).isEqualTo(1);
        assertThat(friendCount(jdbc, bob)).isEqualTo(1);
        assertThat(events(jdbc, "friendship.created", alice, bob)).isEqualTo(1);
    }

    @Test
    void decline_closesTheRequest_declineAgainIsUnchanged_acceptAfterIsRefused_andANewRequestMayFollow() {
        Api.User alice = api.newUser();
        Api.User bob = api.newUser();
        String id = requested(api, alice, bob);

        Api.Response declined = decline(api, bob, id);
        assertThat(declined.status()).as(declined.body()).isEqualTo(200);
        assertThat(declined.json().get("status").asString()).isEqualTo("declined");
        String decidedAt = declined.json().get("decided_at").asString();
        assertThat(requestIds(bob, "incoming")).isEmpty();
        assertThat(requestIds(alice, "outgoing")).isEmpty();

        Api.Response again = decline(api, bob, id);
        assertThat(again.status()).as(again.body()).isEqualTo(200);
        assertThat(again.json().get("status").asString()).isEqualTo("declined");
        assertThat(again.json().get("decided_at").asString()).isEqualTo(decidedAt);

        assertProblem(accept(api, bob, id), 409, "friend_request_closed");
        assertThat(friendIds(api, alice)).isEmpty();
        assertThat(friendIds(api, bob)).isEmpty();
        assertThat(events(jdbc, "friendship.created", alice, bob)).isZero();

        String newer = requested(api, alice, bob);
        assertThat(newer).isNotEqualTo(id);
        assertThat(requestIds(bob, "incoming")).containsExactly(newer);
    }

    @Test
    void askingSomeoneWhoAskedYou_acceptsTheirRequest() {
        Api.User alice = api.newUser();
        Api.User bob = api.newUser();
        String id = requested(api, alice, bob);

        Api.Response mutual = ask(api, bob, alice.handle());
        assertThat(mutual.status()).as(mutual.body()).isEqualTo(200);
        assertThat(mutual.json().get("id").asString())
                .as("alice's request, not a new one")
                .isEqualTo(id);
        assertThat(mutual.json().get("status").asString()).isEqualTo("accepted");
        assertThat(mutual.json().get("from_user_id").asString())
                .isEqualTo(alice.id().toString());

        assertThat(friendIds(api, alice)).containsExactly(bob.id());
        assertThat(friendIds(api, bob)).containsExactly(alice.id());
        assertThat(jdbc.sql(
                                "SELECT count(*) FROM friend_requests WHERE from_user_id IN (?, ?) AND to_user_id IN (?, ?)")
                        .params(alice.id(), bob.id(), alice.id(), bob.id())
                        .query(Integer.class)
                        .single())
                .isEqualTo(1);
        assertThat(events(jdbc, "friendship.created", alice, bob)).isEqualTo(1);
    }

    @Test
    void askingAFriend_isRefused_eitherWay() {
        Api.User alice = api.newUser();
        Api.User bob = api.newUser();
        befriend(api, alice, bob);

        assertProblem(ask(api, alice, bob.handle()), 409, "already_friends");
        assertProblem(ask(api, bob, alice.handle()), 409, "already_friends");
        assertThat(requestIds(alice, "incoming")).isEmpty();
        assertThat(requestIds(bob, "incoming")).isEmpty();
        assertThat(friendCount(jdbc, alice)).isEqualTo(1);
    }

    @Test
    void askingYourself_anUnknownUser_orWithABadHandle_isRefused() {
        Api.User alice = api.newUser();

        assertProblem(ask(api, alice, alice.handle()), 422, "self_friend_request");
        assertProblem(ask(api, alice, "nobody_" + UUID.randomUUID().toString().substring(0, 8)), 404, "user_not_found");
        assertProblem(ask(api, alice, "no"), 400, "validation_failed");
        assertProblem(ask(api, alice, "not a handle!"), 400, "validation_failed");
        assertProblem(ask(api, alice, "x".repeat(31)), 400, "validation_failed");
        assertProblem(api.post("/v1/friends/requests", alice.token(), null, Map.of()), 400, "validation_failed");
        assertProblem(
                api.post("/v1/friends/requests", alice.token(), null, "{\"to_handle\": \"bob\", \"note\": \"hi\"}"),
                400,
                "validation_failed");
        assertProblem(api.post("/v1/friends/requests", alice.token(), null, "{not json"), 400, "validation_failed");
        assertThat(requestIds(alice, "outgoing")).isEmpty();
        assertThat(jdbc.sql("SELECT count(*) FROM friend_requests WHERE from_user_id = ? OR to_user_id = ?")
                        .params(alice.id(), alice.id())
                        .query(Integer.class)
                        .single())
                .isZero();
    }

    @Test
    void withoutAToken_everyEndpointIs401() {
        assertProblem(
                api.post("/v1/friends/requests", null, null, Map.of("to_handle", "someone")), 401, "unauthorized");
        assertProblem(api.get("/v1/friends", null), 401, "unauthorized");
        assertProblem(api.get("/v1/friends/requests", null), 401, "unauthorized");
        assertProblem(api.delete("/v1/friends/" + UUID.randomUUID(), null), 401, "unauthorized");
    }

    @Test
    void onlyTheAskedUser_mayAcceptOrDecline_othersSeeNotFound() {
        Api.User alice = api.newUser();
        Api.User bob = api.newUser();
        Api.User mallory = api.newUser();
        String id = requested(api, alice, bob);

        assertProblem(accept(api, mallory, id), 404, "not_found");
        assertProblem(decline(api, mallory, id), 404, "not_found");
        assertProblem(accept(api, alice, id), 404, "not_found");
        assertProblem(decline(api, alice, id), 404, "not_found");
        assertProblem(accept(api, bob, UUID.randomUUID().toString()), 404, "not_found");
        assertProblem(accept(api, bob, "not-a-uuid"), 404, "not_found");
        assertProblem(decline(api, bob, "12345"), 404, "not_found");

        assertThat(requestIds(bob, "incoming")).as("still open").containsExactly(id);
        assertThat(friendIds(api, mallory)).isEmpty();
        assertThat(friendIds(api, alice)).isEmpty();
    }

    // --- unfriending ---

    @Test
    void unfriend_endsItForBoth_isIdempotent_andTheyMayBefriendAgain() {
        Api.User alice = api.newUser();
        Api.User bob = api.newUser();
        Api.User carol = api.newUser();
        befriend(api, alice, bob);
        befriend(api, carol, alice);

        Api.Response removed = api.delete("/v1/friends/" + bob.id(), alice.token());
        assertThat(removed.status()).as(removed.body()).isEqualTo(204);
        assertThat(friendIds(api, alice)).containsExactly(carol.id());
        assertThat(friendIds(api, bob)).isEmpty();
        assertThat(friendshipRows(jdbc, alice, bob)).isZero();
        assertThat(friendCount(jdbc, alice)).isEqualTo(1);
        assertThat(friendCount(jdbc, bob)).isZero();

        Api.Response again = api.delete("/v1/friends/" + bob.id(), alice.token());
        assertThat(again.status()).as(again.body()).isEqualTo(204);
        Api.Response fromTheOtherSide = api.delete("/v1/friends/" + alice.id(), bob.token());
        assertThat(fromTheOtherSide.status()).as(fromTheOtherSide.body()).isEqualTo(204);
        assertThat(api.delete("/v1/friends/" + UUID.randomUUID(), alice.token()).status())
                .as("not a friend")
                .isEqualTo(204);
        assertThat(friendIds(api, alice)).containsExactly(carol.id());
        assertThat(friendCount(jdbc, alice)).isEqualTo(1);
        assertThat(friendCount(jdbc, bob)).isZero();
        assertThat(events(jdbc, "friendship.removed", alice, bob))
                .as("removed once")
                .isEqualTo(1);
        assertThat(events(jdbc, "friendship.removed", alice, carol)).isZero();

        befriend(api, bob, alice);
        assertThat(friendIds(api, bob)).containsExactly(alice.id());
        assertThat(events(jdbc, "friendship.created", alice, bob)).isEqualTo(2);
    }

    @Test
    void unfriend_withABadId_is400() {
        Api.User alice = api.newUser();
        assertProblem(api.delete("/v1/friends/not-a-uuid", alice.token()), 400, "validation_failed");
    }

    // --- lists ---

    @Test
    void lists_refuseABadLimitOrCursor_orDirection() {
        Api.User alice = api.newUser();
        for (String path : List.of("/v1/friends", "/v1/friends/requests")) {
            assertProblem(api.get(path + "?limit=0", alice.token()), 400, "validation_failed");
            assertProblem(api.get(path + "?limit=101", alice.token()), 400, "validation_failed");
            assertProblem(api.get(path + "?limit=-1", alice.token()), 400, "validation_failed");
            assertProblem(api.get(path + "?limit=ten", alice.token()), 400, "validation_failed");
            assertProblem(api.get(path + "?cursor=not-a-cursor", alice.token()), 400, "invalid_cursor");
            assertProblem(api.get(path + "?cursor=AAAA", alice.token()), 400, "invalid_cursor");
            assertThat(api.get(path + "?limit=100", alice.token()).status()).isEqualTo(200);
            assertThat(api.get(path + "?limit=1", alice.token()).status()).isEqualTo(200);
        }
        assertProblem(api.get("/v1/friends/requests?direction=sideways", alice.token()), 400, "validation_failed");
    }

    @Test
    void friends_pageThroughEveryFriendOnce() {
        Api.User alice = api.newUser();
        Set<UUID> expected = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            Api.User friend = api.newUser();
            befriend(api, friend, alice);
            expected.add(friend.id());
        }

        List<UUID> seen = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        String cursor = null;
        for (int page = 0; page < 10; page++) {
            Api.Response response =
                    api.get("/v1/friends?limit=2" + (cursor == null ? "" : "&cursor=" + cursor), alice.token());
            assertThat(response.status()).as(response.body()).isEqualTo(200);
            List<UUID> ids = userIds(response.json());
            seen.addAll(ids);
            sizes.add(ids.size());
            JsonNode next = response.json().get("next_cursor");
            if (next == null) {
                break;
            }
            cursor = next.asString();
        }
        assertThat(sizes).containsExactly(2, 2, 1);
        assertThat(seen).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(expected);
        assertThat(seen)
                .as("in a stable order")
                .isSortedAccordingTo((a, b) -> a.toString().compareTo(b.toString()));
    }

    @Test
    void requests_pageNewestFirst() {
        Api.User alice = api.newUser();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(requested(api, api.newUser(), alice));
        }
        Api.Response first = api.get("/v1/friends/requests?direction=incoming&limit=2", alice.token());
        assertThat(first.status()).as(first.body()).isEqualTo(200);
        Api.Response second = api.get(
                "/v1/friends/requests?direction=incoming&limit=2&cursor="
                        + first.json().get("next_cursor").asString(),
                alice.token());
        assertThat(second.json().has("next_cursor")).isFalse();
        List<String> seen = new ArrayList<>();
        first.json().get("items").forEach(item -> seen.add(item.get("id").asString()));
        second.json().get("items").forEach(item -> seen.add(item.get("id").asString()));
        assertThat(seen).containsExactly(ids.get(2), ids.get(1), ids.get(0));
    }

    // --- races ---

    @Test
    void twoUsersAskingEachOtherAtOnce_becomeFriendsExactlyOnce() throws Exception {
        int pairs = 20;
        List<Api.User[]> users = new ArrayList<>();
        for (int i = 0; i < pairs; i++) {
            users.add(new Api.User[] {api.newUser(), api.newUser()});
        }
        CountDownLatch start = new CountDownLatch(1);
        List<Callable<Api.Response>> calls = new ArrayList<>();
        for (Api.User[] pair : users) {
            calls.add(() -> {
                start.await();
                return ask(api, pair[0], pair[1].handle());
            });
            calls.add(() -> {
                start.await();
                return ask(api, pair[1], pair[0].handle());
            });
        }
        List<Api.Response> responses = runAtOnce(calls, start);

        for (int i = 0; i < pairs; i++) {
            Api.Response one = responses.get(2 * i);
            Api.Response other = responses.get(2 * i + 1);
            assertThat(List.of(one.status(), other.status()))
                    .as(one.body() + " / " + other.body())
                    .containsExactlyInAnyOrder(201, 200);
            Api.Response second = one.status() == 200 ? one : other;
            Api.Response first = second == one ? other : one;
            assertThat(second.json().get("status").asString()).isEqualTo("accepted");
            assertThat(second.json().get("id").asString())
                    .isEqualTo(first.json().get("id").asString());

            Api.User a = users.get(i)[0];
            Api.User b = users.get(i)[1];
            assertThat(friendshipRows(jdbc, a, b)).isEqualTo(2);
            for (Api.User user : List.of(a, b)) {
                assertThat(friendCount(jdbc, user)).isEqualTo(1).isEqualTo(friendshipsOf(jdbc, user));
            }
            assertThat(events(jdbc, "friendship.created", a, b)).isEqualTo(1);
            assertThat(jdbc.sql(
                                    "SELECT status FROM friend_requests WHERE from_user_id IN (?, ?) AND to_user_id IN (?, ?)")
                            .params(a.id(), b.id(), a.id(), b.id())
                            .query(String.class)
                            .list())
                    .containsExactly("accepted");
            assertThat(friendIds(api, a)).containsExactly(b.id());
        }
    }

    @Test
    void oneRequestAcceptedManyTimesAtOnce_makesOneFriendship() throws Exception {
        Api.User alice = api.newUser();
        Api.User bob = api.newUser();
        String id = requested(api, alice, bob);
        CountDownLatch start = new CountDownLatch(1);
        List<Callable<Api.Response>> calls = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            calls.add(() -> {
                start.await();
                return accept(api, bob, id);
            });
        }
        List<Api.Response> responses = runAtOnce(calls, start);

        assertThat(responses).allSatisfy(response -> {
            assertThat(response.status()).as(response.body()).isEqualTo(200);
            assertThat(response.json().get("status").asString()).isEqualTo("accepted");
        });
        assertThat(responses.stream()
                        .map(response -> response.json().get("decided_at").asString())
                        .distinct())
                .hasSize(1);
        assertThat(friendshipRows(jdbc, alice, bob)).isEqualTo(2);
        assertThat(friendCount(jdbc, alice)).isEqualTo(1);
        assertThat(friendCount(jdbc, bob)).isEqualTo(1);
        assertThat(events(jdbc, "friendship.created", alice, bob)).isEqualTo(1);
    }

    @Test
    void acceptAndDeclineAtOnce_oneWins_andTheOtherIsRefused() throws Exception {
        for (int round = 0; round < 5; round++) {
            Api.User alice = api.newUser();
            Api.User bob = api.newUser();
            String id = requested(api, alice, bob);
            CountDownLatch start = new CountDownLatch(1);
            List<Api.Response> responses = runAtOnce(
                    List.of(
                            () -> {
                                start.await();
                                return accept(api, bob, id);
                            },
                            () -> {
                                start.await();
                                return decline(api, bob, id);
                            }),
                    start);

            Api.Response accepted = responses.get(0);
            Api.Response declined = responses.get(1);
            String status = jdbc.sql("SELECT status FROM friend_requests WHERE id = ?")
                    .param(UUID.fromString(id))
                    .query(String.class)
                    .single();
            if (status.equals("accepted")) {
                assertThat(accepted.status()).as(accepted.body()).isEqualTo(200);
                assertProblem(declined, 409, "friend_request_closed");
                assertThat(friendshipRows(jdbc, alice, bob)).isEqualTo(2);
                assertThat(events(jdbc, "friendship.created", alice, bob)).isEqualTo(1);
            } else {
                assertThat(status).isEqualTo("declined");
                assertThat(declined.status()).as(declined.body()).isEqualTo(200);
                assertProblem(accepted, 409, "friend_request_closed");
                assertThat(friendshipRows(jdbc, alice, bob)).isZero();
                assertThat(events(jdbc, "friendship.created", alice, bob)).isZero();
            }
            assertThat(friendCount(jdbc, bob)).isEqualTo(friendshipsOf(jdbc, bob));
        }
    }

    /** Runs the calls on threads of their own, released together by {@code start}; their responses in order. */
    static List<Api.Response> runAtOnce(List<Callable<Api.Response>> calls, CountDownLatch start) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(calls.size());
        try {
            List<Future<Api.Response>> futures = new ArrayList<>();
            for (Callable<Api.Response> call : calls) {
                futures.add(pool.submit(call));
            }
            start.countDown();
            List<Api.Response> responses = new ArrayList<>();
            for (Future<Api.Response> future : futures) {
                responses.add(future.get(60, TimeUnit.SECONDS));
            }
            return responses;
        } finally {
            pool.shutdownNow();
        }
    }

    // --- the friend limit, in a context of its own ---

    /**
     * {@code wallet.social.max-friends=2}: a context (and data directory) of its own, closed after
     * the class so its second PostgreSQL, Redis and Kafka do not slow the rest of the suite.
     */
    @Nested
    @DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
    @TestPropertySource(properties = {"wallet.test.context=friends-limit", "wallet.social.max-friends=2"})
    @ContextConfiguration(initializers = OwnDataDirectory.class)
    class FriendLimit extends WalletIntegrationTest {
        @org.springframework.beans.factory.annotation.Autowired
        SocialProperties properties;

        @org.springframework.beans.factory.annotation.Autowired
        org.openwallet.platform.config.WalletProperties wallet;

        @Test
        void context_isItsOwn_withTheLowLimit() {
            assertThat(properties.maxFriends()).isEqualTo(2);
            assertThat(wallet.dataDir().getFileName().toString()).startsWith(OwnDataDirectory.PREFIX);
        }

        @Test
        void theAcceptBeyondTheLimit_isRefused_andChangesNothing() {
            Api.User alice = api.newUser();
            Api.User bob = api.newUser();
            Api.User carol = api.newUser();
            Api.User dave = api.newUser();
            befriend(api, bob, alice);
            befriend(api, carol, alice);
            String third = requested(api, dave, alice);

            assertProblem(accept(api, alice, third), 409, "friend_limit_reached");
            assertThat(friendIds(api, alice)).containsExactlyInAnyOrder(bob.id(), carol.id());
            assertThat(friendIds(api, dave)).isEmpty();
            assertThat(friendCount(jdbc, alice)).isEqualTo(2);
            assertThat(friendCount(jdbc, dave)).isZero();
            assertThat(jdbc.sql("SELECT status FROM friend_requests WHERE id = ?")
                            .param(UUID.fromString(third))
                            .query(String.class)
                            .single())
                    .as("still open, to accept once there is room")
                    .isEqualTo("pending");
            assertThat(jdbc.sql(
                                    "SELECT count(*) FROM outbox_events WHERE event_type = 'friendship.created' AND aggregate_id = ?")
                            .param(pairKey(alice.id(), dave.id()))
                            .query(Integer.class)
                            .single())
                    .isZero();

            // Asking dave back would accept his request: refused for the same reason.
            assertProblem(ask(api, alice, dave.handle()), 409, "friend_limit_reached");
            assertThat(friendCount(jdbc, alice)).isEqualTo(2);

            // Room again: the same request can now be accepted.
            assertThat(api.delete("/v1/friends/" + bob.id(), alice.token()).status())
                    .isEqualTo(204);
            Api.Response accepted = accept(api, alice, third);
            assertThat(accepted.status()).as(accepted.body()).isEqualTo(200);
            assertThat(friendIds(api, alice)).containsExactlyInAnyOrder(carol.id(), dave.id());
            assertThat(friendCount(jdbc, alice)).isEqualTo(2);
        }

        @Test
        void theLimitOfTheAskingSide_countsToo() {
            Api.User alice = api.newUser();
            Api.User bob = api.newUser();
            Api.User carol = api.newUser();
            Api.User dave = api.newUser();
            befriend(api, alice, bob);
            befriend(api, alice, carol);
            String id = requested(api, alice, dave);

            assertProblem(accept(api, dave, id), 409, "friend_limit_reached");
            assertThat(friendIds(api, dave)).isEmpty();
            assertThat(friendCount(jdbc, alice)).isEqualTo(2);
        }

        @Test
        void racingAccepts_neverPassTheLimit() throws Exception {
            Api.User alice = api.newUser();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                ids.add(requested(api, api.newUser(), alice));
            }
            CountDownLatch start = new CountDownLatch(1);
            List<Callable<Api.Response>> calls = new ArrayList<>();
            for (String id : ids) {
                calls.add(() -> {
                    start.await();
                    return accept(api, alice, id);
                });
            }
            List<Api.Response> responses = runAtOnce(calls, start);

            assertThat(responses.stream().filter(response -> response.status() == 200))
                    .hasSize(2);
            assertThat(responses.stream().filter(response -> response.status() != 200))
                    .allSatisfy(response -> assertProblem(response, 409, "friend_limit_reached"));
            assertThat(friendIds(api, alice)).hasSize(2);
            assertThat(friendCount(jdbc, alice)).isEqualTo(2);
        }
    }
}
