package org.openwallet.feed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openwallet.Api;
import org.openwallet.LedgerTestSupport;
import org.openwallet.WalletIntegrationTest;
import tools.jackson.databind.JsonNode;

/**
 * Venmo's visibility rules, end to end: payments over HTTP, through the outbox, Debezium and Kafka,
 * into Cassandra, read back over HTTP. Alice and Bob pay each other; Carol is Alice's friend, Dana
 * is Bob's friend, Eve is nobody's.
 */
class FeedVisibilityTest extends WalletIntegrationTest {

    FeedClient feeds;
    Api.User alice;
    Api.User bob;
    Api.User carol;
    Api.User dana;
    Api.User eve;

    @BeforeEach
    void people() {
        feeds = new FeedClient(api);
        alice = api.newUser();
        bob = api.newUser();
        carol = api.newUser();
        dana = api.newUser();
        eve = api.newUser();
        LedgerTestSupport.fund(transactions, ledger, alice.id(), 100_000);
        LedgerTestSupport.fund(transactions, ledger, bob.id(), 100_000);
        feeds.befriend(alice, carol);
        feeds.befriend(dana, bob);
    }

    @Test
    void friendsPayment_reachesBothPartiesAndTheFriendsOfEither_amountOnlyForParties() {
        String paid = feeds.pay(alice, bob, "12.50", "friends", "pizza");

        for (Api.User party : new Api.User[] {alice, bob}) {
            JsonNode own = feeds.awaitItem("/v1/feed/me", party, paid);
            assertThat(own.get("amount").asString()).isEqualTo("12.50");
            assertThat(own.get("currency").asString()).isEqualTo("USD");
            JsonNode social = feeds.awaitItem("/v1/feed", party, paid);
            assertThat(social.get("amount").asString()).isEqualTo("12.50");
        }
        for (Api.User friend : new Api.User[] {carol, dana}) {
            JsonNode item = feeds.awaitItem("/v1/feed", friend, paid);
            assertThat(item.get("from_handle").asString()).isEqualTo(alice.handle());
            assertThat(item.get("to_handle").asString()).isEqualTo(bob.handle());
            assertThat(item.get("note").asString()).isEqualTo("pizza");
            assertThat(item.get("visibility").asString()).isEqualTo("friends");
            assertThat(item.has("amount")).as("a friend never sees the amount").isFalse();
            assertThat(item.has("currency")).isFalse();
            assertThat(feeds.ids("/v1/feed/me", friend))
                    .as("not the friend's own activity")
                    .doesNotContain(paid);
        }
        assertThat(feeds.ids("/v1/feed", eve)).doesNotContain(paid);
        assertThat(feeds.ids("/v1/feed/public", eve))
                .as("friends-only is not public")
                .doesNotContain(paid);
    }

    @Test
    void privatePayment_onlyInThePartiesOwnFeeds() {
        String hidden = feeds.pay(alice, bob, "3.00", "private", "secret");
        // Same sender, same partition, applied after: once Carol and Dana see it, the private one was applied too.
        String marker = feeds.pay(alice, bob, "1.00", "friends", null);
        feeds.awaitIds("/v1/feed", carol, ids -> ids.contains(marker));
        feeds.awaitIds("/v1/feed", dana, ids -> ids.contains(marker));

        assertThat(feeds.ids("/v1/feed", carol)).doesNotContain(hidden);
        assertThat(feeds.ids("/v1/feed", dana)).doesNotContain(hidden);
        assertThat(feeds.ids("/v1/feed/public", eve)).doesNotContain(hidden);
        assertThat(feeds.awaitItem("/v1/feed", alice, hidden).get("visibility").asString())
                .isEqualTo("private");
        assertThat(feeds.awaitItem("/v1/feed/me", bob, hidden).get("amount").asString())
                .isEqualTo("3.00");
    }

    @Test
    void publicPayment_isInThePublicFeed_withoutAmountExceptForParties() {
        String open = feeds.pay(alice, bob, "7.25", "public", "concert");

        JsonNode seenByEve = feeds.awaitItem("/v1/feed/public", eve, open);
        assertThat(seenByEve.has("amount")).isFalse();
        assertThat(seenByEve.get("visibility").asString()).isEqualTo("public");
        assertThat(feeds.awaitItem("/v1/feed/public", alice, open).get("amount").asString())
                .isEqualTo("7.25");
        assertThat(feeds.awaitItem("/v1/feed", carol, open).has("amount")).isFalse();
        assertThat(feeds.ids("/v1/feed", eve))
                .as("the social feed is friends only")
                .doesNotContain(open);
    }

    @Test
    void defaultVisibility_isTheSendersSetting() {
        Api.Response set = api.patch("/v1/users/me/settings", alice.token(), Map.of("default_visibility", "private"));
        assertThat(set.status()).as(set.body()).isEqualTo(200);
        String byDefault = feeds.pay(alice, bob, "2.00", null, null);
        String marker = feeds.pay(alice, bob, "1.00", "friends", null);
        feeds.awaitIds("/v1/feed", carol, ids -> ids.contains(marker));

        assertThat(feeds.ids("/v1/feed", carol)).doesNotContain(byDefault);
        assertThat(feeds.awaitItem("/v1/feed/me", alice, byDefault)
                        .get("visibility")
                        .asString())
                .isEqualTo("private");
    }

    @Test
    void narrowing_byTheReceiver_removesItFromThePublicAndFriendsFeeds() {
        String open = feeds.pay(alice, bob, "9.99", "public", "tickets");
        feeds.awaitItem("/v1/feed/public", eve, open);
        feeds.awaitItem("/v1/feed", carol, open);
        feeds.awaitItem("/v1/feed", dana, open);

        Api.Response toFriends = api.patch("/v1/transfers/" + open, bob.token(), Map.of("visibility", "friends"));
        assertThat(toFriends.status()).as(toFriends.body()).isEqualTo(200);
        feeds.awaitIds("/v1/feed/public", eve, ids -> !ids.contains(open));
        awaitVisibility(carol, open, "friends");

        Api.Response toPrivate = api.patch("/v1/transfers/" + open, alice.token(), Map.of("visibility", "private"));
        assertThat(toPrivate.status()).as(toPrivate.body()).isEqualTo(200);
        feeds.awaitIds("/v1/feed", carol, ids -> !ids.contains(open));
        feeds.awaitIds("/v1/feed", dana, ids -> !ids.contains(open));
        awaitVisibility(alice, open, "private");
        JsonNode own = feeds.awaitItem("/v1/feed/me", bob, open);
        assertThat(own.get("visibility").asString()).isEqualTo("private");
        assertThat(own.get("amount").asString()).isEqualTo("9.99");

        Api.Response widen = api.patch("/v1/transfers/" + open, bob.token(), Map.of("visibility", "public"));
        assertThat(widen.status()).isEqualTo(409);
        assertThat(widen.code()).isEqualTo("visibility_not_narrower");
    }

    @Test
    void unfriending_removesTheFormerFriendsPayments_butKeepsWhatAnotherFriendExplains() {
        Api.User frank = api.newUser();
        LedgerTestSupport.fund(transactions, ledger, carol.id(), 100_000);
        feeds.befriend(carol, dana);
        String aliceToBob = feeds.pay(alice, bob, "4.00", "friends", null);
        String bobToDana = feeds.pay(bob, dana, "5.00", "friends", null);
        String aliceToDana = feeds.pay(alice, dana, "6.00", "friends", null);
        String carolToAlice = feeds.pay(carol, alice, "1.50", "friends", null);
        String carolToFrank = feeds.pay(carol, frank, "2.50", "friends", null);
        feeds.awaitIds(
                "/v1/feed", carol, ids -> ids.containsAll(List.of(aliceToBob, aliceToDana, bobToDana, carolToAlice)));
        feeds.awaitIds("/v1/feed", alice, ids -> ids.contains(carolToFrank));

        Api.Response unfriend = api.delete("/v1/friends/" + alice.id(), carol.token());
        assertThat(unfriend.status()).as(unfriend.body()).isEqualTo(204);

        // Alice's payment to Bob was there only because of Alice; the one to Dana stays, as Dana is still Carol's
        // friend.
        List<String> carols = feeds.awaitIds("/v1/feed", carol, ids -> !ids.contains(aliceToBob));
        assertThat(carols).contains(aliceToDana, bobToDana, carolToAlice, carolToFrank);
        List<String> alices = feeds.awaitIds("/v1/feed", alice, ids -> !ids.contains(carolToFrank));
        assertThat(alices).as("a payment between the two stays with both").contains(carolToAlice, aliceToBob);
    }

    @Test
    void newFriend_getsTheOthersRecentNonPrivatePayments() {
        String earlier = feeds.pay(bob, alice, "8.00", "friends", "before we met");
        String hidden = feeds.pay(bob, alice, "8.50", "private", null);
        feeds.awaitIds("/v1/feed", dana, ids -> ids.contains(earlier));
        Api.User gina = api.newUser();

        feeds.befriend(gina, bob);

        JsonNode backfilled = feeds.awaitItem("/v1/feed", gina, earlier);
        assertThat(backfilled.has("amount")).isFalse();
        assertThat(feeds.ids("/v1/feed", gina)).doesNotContain(hidden);
    }

    private void awaitVisibility(Api.User reader, String transferId, String visibility) {
        await("@" + reader.handle() + " seeing " + transferId + " as " + visibility)
                .atMost(FeedClient.WAIT)
                .until(
                        () -> feeds.awaitItem("/v1/feed", reader, transferId)
                                .get("visibility")
                                .asString(),
                        visibility::equals);
    }
}
