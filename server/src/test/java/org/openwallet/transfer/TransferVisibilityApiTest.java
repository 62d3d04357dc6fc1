package org.openwallet.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.openwallet.Api;
import org.openwallet.WalletIntegrationTest;
import tools.jackson.databind.JsonNode;

/**
 * Who sees a transfer in feeds: the sender's default when the payment names none, and
 * {@code PATCH /v1/transfers/{id}}, by which either party makes it more private, never more public.
 * The ledger row stays as posted; the narrowing lives beside it and is one outbox event.
 */
class TransferVisibilityApiTest extends WalletIntegrationTest {

    // --- helpers ---

    /** Pays 1.00 with the given visibility (null: none named) and returns the transfer id. */
    private String pay(Api.User from, Api.User to, String visibility) {
        Map<String, String> body =
                new java.util.LinkedHashMap<>(Map.of("to_handle", to.handle(), "amount", "1.00", "currency", "USD"));
        if (visibility != null) {
            body.put("visibility", visibility);
        }
        Api.Response response =
                api.post("/v1/transfers", from.token(), UUID.randomUUID().toString(), body);
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        if (visibility != null) {
            assertThat(response.json().get("visibility").asString()).isEqualTo(visibility);
        }
        return response.json().get("id").asString();
    }

    private Api.Response narrow(Api.User user, String id, String visibility) {
        return api.patch("/v1/transfers/" + id, user.token(), Map.of("visibility", visibility));
    }

    /** The visibility the user sees on GET /v1/transfers/{id}. */
    private String visibility(Api.User user, String id) {
        Api.Response response = api.get("/v1/transfers/" + id, user.token());
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response.json().get("visibility").asString();
    }

    /** The visibility the user sees for the transfer in GET /v1/transfers. */
    private String visibilityInHistory(Api.User user, String id) {
        Api.Response response = api.get("/v1/transfers?limit=100", user.token());
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        for (JsonNode item : response.json().get("items")) {
            if (item.get("id").asString().equals(id)) {
                return item.get("visibility").asString();
            }
        }
        throw new AssertionError("transfer " + id + " not in the history of @" + user.handle());
    }

    private void assertSeenByBoth(Api.User one, Api.User other, String id, String expected) {
        for (Api.User user : List.of(one, other)) {
            assertThat(visibility(user, id)).as("GET one, by @" + user.handle()).isEqualTo(expected);
            assertThat(visibilityInHistory(user, id))
                    .as("history, by @" + user.handle())
                    .isEqualTo(expected);
        }
    }

    /** The transfer.visibility_changed events of the transfer in the outbox, oldest first: their payloads. */
    private List<JsonNode> events(String id) {
        List<JsonNode> payloads = new ArrayList<>();
        jdbc.sql("""
                        SELECT owner_id, payload::text FROM outbox_events
                        WHERE event_type = 'transfer.visibility_changed' AND aggregate_type = 'transfer' AND aggregate_id = ?
                        ORDER BY id""").param(id).query(rs -> {
            JsonNode envelope =
                    tools.jackson.databind.json.JsonMapper.builder().build().readTree(rs.getString(2));
            assertThat(envelope.get("type").asString()).isEqualTo("transfer.visibility_changed");
            assertThat(rs.getString(1))
                    .as("owner: the sender")
                    .isEqualTo(envelope.get("payload").get("from_user_id").asString());
            payloads.add(envelope.get("payload"));
        });
        return payloads;
    }

    private String ledgerVisibility(String id) {
        return jdbc.sql("SELECT visibility FROM ledger_transfers WHERE id = ?")
                .param(UUID.fromString(id))
                .query(String.class)
                .single();
    }

    private static void assertProblem(Api.Response response, int status, String code) {
        assertThat(response.status()).as(response.body()).isEqualTo(status);
        assertThat(response.header("Content-Type")).startsWith("application/problem+json");
        assertThat(response.code()).as(response.body()).isEqualTo(code);
    }

    // --- the default ---

    @Test
    void aTransferNamingNoVisibility_takesTheSendersDefault_andAChangedDefaultLeavesOldOnesAlone() {
        Api.User alice = fundedUser(1_000_000);
        Api.User bob = api.newUser();
        String before = pay(alice, bob, null);
        assertThat(visibility(alice, before)).as("the default default").isEqualTo("friends");

        Api.Response changed =
                api.patch("/v1/users/me/settings", alice.token(), Map.of("default_visibility", "private"));
        assertThat(changed.status()).as(changed.body()).isEqualTo(200);
        String after = pay(alice, bob, null);
        String named = pay(alice, bob, "public");

        assertSeenByBoth(alice, bob, after, "private");
        assertSeenByBoth(alice, bob, before, "friends");
        assertSeenByBoth(alice, bob, named, "public");
        assertThat(ledgerVisibility(after)).isEqualTo("private");
        assertThat(ledgerVisibility(before)).isEqualTo("friends");

        // The receiver's default plays no part.
        Api.User carol = fundedUser(1_000_000);
        Api.Response carolPublic =
                api.patch("/v1/users/me/settings", carol.token(), Map.of("default_visibility", "public"));
        assertThat(carolPublic.status()).isEqualTo(200);
        assertThat(visibility(carol, pay(carol, alice, null))).isEqualTo("public");
        assertThat(visibility(alice, pay(alice, carol, null))).isEqualTo("private");
    }

    // --- narrowing ---

    @Test
    void theReceiverNarrowsIt_bothSeeIt_theLedgerRowIsUnchanged_andOneEventIsWritten() {
        Api.User alice = fundedUser(1_000_000);
        Api.User bob = api.newUser();
        String id = pay(alice, bob, "friends");

        Api.Response narrowed = narrow(bob, id, "private");
        assertThat(narrowed.status()).as(narrowed.body()).isEqualTo(200);
        assertThat(narrowed.json().get("id").asString()).isEqualTo(id);
        assertThat(narrowed.json().get("visibility").asString()).isEqualTo("private");
        assertThat(narrowed.json().get("amount").asString()).isEqualTo("1.00");
        assertThat(narrowed.json().get("from_user_id").asString())
                .isEqualTo(alice.id().toString());

        assertSeenByBoth(alice, bob, id, "private");
        assertThat(ledgerVisibility(id)).as("ledger rows never change").isEqualTo("friends");
        assertThat(jdbc.sql("SELECT changed_by FROM transfer_visibility WHERE transfer_id = ?")
                        .param(UUID.fromString(id))
                        .query(UUID.class)
                        .single())
                .isEqualTo(bob.id());

        List<JsonNode> events = events(id);
        assertThat(events).hasSize(1);
        JsonNode event = events.getFirst();
        assertThat(event.get("transfer_id").asString()).isEqualTo(id);
        assertThat(event.get("from_user_id").asString()).isEqualTo(alice.id().toString());
        assertThat(event.get("to_user_id").asString()).isEqualTo(bob.id().toString());
        assertThat(event.get("visibility").asString()).isEqualTo("private");
        assertThat(event.get("changed_by").asString()).isEqualTo(bob.id().toString());
    }

    @Test
    void wideningIsRefused_theSameValueChangesNothing_byEitherParty() {
        Api.User alice = fundedUser(1_000_000);
        Api.User bob = api.newUser();
        String id = pay(alice, bob, "public");

        Api.Response toFriends = narrow(alice, id, "friends");
        assertThat(toFriends.status()).as(toFriends.body()).isEqualTo(200);
        assertThat(toFriends.json().get("visibility").asString()).isEqualTo("friends");
        assertThat(events(id)).hasSize(1);

        assertProblem(narrow(bob, id, "public"), 409, "visibility_not_narrower");
        assertProblem(narrow(alice, id, "public"), 409, "visibility_not_narrower");
        Api.Response same = narrow(bob, id, "friends");
        assertThat(same.status()).as(same.body()).isEqualTo(200);
        assertThat(same.json().get("visibility").asString()).isEqualTo("friends");
        assertThat(events(id)).as("no event for no change").hasSize(1);
        assertThat(jdbc.sql("SELECT changed_by FROM transfer_visibility WHERE transfer_id = ?")
                        .param(UUID.fromString(id))
                        .query(UUID.class)
                        .single())
                .as("who narrowed it stays")
                .isEqualTo(alice.id());

        Api.Response toPrivate = narrow(bob, id, "private");
        assertThat(toPrivate.status()).as(toPrivate.body()).isEqualTo(200);
        assertProblem(narrow(alice, id, "friends"), 409, "visibility_not_narrower");
        assertProblem(narrow(alice, id, "public"), 409, "visibility_not_narrower");
        assertThat(narrow(alice, id, "private").status()).isEqualTo(200);

        assertSeenByBoth(alice, bob, id, "private");
        assertThat(ledgerVisibility(id)).isEqualTo("public");
        assertThat(events(id))
                .extracting(event -> event.get("visibility").asString() + " by "
                        + event.get("changed_by").asString())
                .containsExactly("friends by " + alice.id(), "private by " + bob.id());
    }

    @Test
    void aTransferPostedPrivate_cannotBeWidened_andNeedsNoNarrowing() {
        Api.User alice = fundedUser(1_000_000);
        Api.User bob = api.newUser();
        String id = pay(alice, bob, "private");

        Api.Response same = narrow(bob, id, "private");
        assertThat(same.status()).as(same.body()).isEqualTo(200);
        assertThat(same.json().get("visibility").asString()).isEqualTo("private");
        assertProblem(narrow(alice, id, "friends"), 409, "visibility_not_narrower");
        assertProblem(narrow(bob, id, "public"), 409, "visibility_not_narrower");
        assertThat(events(id)).isEmpty();
        assertThat(jdbc.sql("SELECT count(*) FROM transfer_visibility WHERE transfer_id = ?")
                        .param(UUID.fromString(id))
                        .query(Integer.class)
                        .single())
                .isZero();
        assertSeenByBoth(alice, bob, id, "private");
    }

    @Test
    void aThirdParty_orAnUnknownTransfer_isNotFound() {
        Api.User alice = fundedUser(1_000_000);
        Api.User bob = api.newUser();
        Api.User mallory = api.newUser();
        String id = pay(alice, bob, "public");

        assertProblem(narrow(mallory, id, "private"), 404, "not_found");
        assertProblem(narrow(alice, UUID.randomUUID().toString(), "private"), 404, "not_found");
        assertProblem(narrow(alice, "not-a-uuid", "private"), 404, "not_found");
        assertProblem(api.patch("/v1/transfers/" + id, null, Map.of("visibility", "private")), 401, "unauthorized");

        assertSeenByBoth(alice, bob, id, "public");
        assertThat(events(id)).isEmpty();
    }

    @Test
    void anInvalidVisibility_is400_andChangesNothing() {
        Api.User alice = fundedUser(1_000_000);
        Api.User bob = api.newUser();
        String id = pay(alice, bob, "public");

        assertProblem(narrow(alice, id, "everyone"), 400, "validation_failed");
        assertProblem(narrow(alice, id, "PRIVATE"), 400, "validation_failed");
        assertProblem(api.patch("/v1/transfers/" + id, alice.token(), Map.of()), 400, "validation_failed");
        assertProblem(
                api.patch("/v1/transfers/" + id, alice.token(), "{\"visibility\": null}"), 400, "validation_failed");
        assertProblem(api.patch("/v1/transfers/" + id, alice.token(), "{\"visibility\": 3}"), 400, "validation_failed");
        assertProblem(
                api.patch("/v1/transfers/" + id, alice.token(), "{\"visibility\": \"private\", \"note\": \"x\"}"),
                400,
                "validation_failed");
        assertProblem(api.patch("/v1/transfers/" + id, alice.token(), "{\"visibility\""), 400, "validation_failed");

        assertSeenByBoth(alice, bob, id, "public");
        assertThat(events(id)).isEmpty();
    }

    @Test
    void bothPartiesNarrowingAtOnce_neverWiden_andWriteOneEventPerNarrowing() throws Exception {
        for (int round = 0; round < 5; round++) {
            Api.User alice = fundedUser(1_000_000);
            Api.User bob = api.newUser();
            String id = pay(alice, bob, "public");
            CountDownLatch start = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<Api.Response>> futures = new ArrayList<>();
            try {
                for (int i = 0; i < 8; i++) {
                    Api.User who = i % 2 == 0 ? alice : bob;
                    String to = i % 4 < 2 ? "private" : "friends";
                    futures.add(pool.submit(() -> {
                        start.await();
                        return narrow(who, id, to);
                    }));
                }
                start.countDown();
                for (Future<Api.Response> future : futures) {
                    Api.Response response = future.get(60, TimeUnit.SECONDS);
                    if (response.status() != 200) {
                        assertProblem(response, 409, "visibility_not_narrower");
                    }
                }
            } finally {
                pool.shutdownNow();
            }

            assertSeenByBoth(alice, bob, id, "private");
            List<String> steps = events(id).stream()
                    .map(event -> event.get("visibility").asString())
                    .toList();
            assertThat(steps)
                    .as("each narrowing once, in order")
                    .isIn(List.of("private"), List.of("friends", "private"));
        }
    }
}
