package org.openwallet.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.openwallet.Api;
import org.openwallet.WalletIntegrationTest;
import tools.jackson.databind.JsonNode;

/** {@code POST /v1/transfers}, {@code GET /v1/transfers/{id}} and {@code GET /v1/transfers}: the happy paths and who may see what. */
class TransferApiTest extends WalletIntegrationTest {

    // --- helpers ---

    private Api.Response transfer(Api.User from, Map<String, ?> body) {
        return api.post("/v1/transfers", from.token(), UUID.randomUUID().toString(), body);
    }

    private static Map<String, String> body(String... keysAndValues) {
        Map<String, String> body = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            body.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return body;
    }

    /** Pays and returns the 201 body. */
    private JsonNode paid(Api.User from, Api.User to, String amount) {
        Api.Response response = api.pay(from, to, amount);
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        return response.json();
    }

    private Api.Response history(Api.User user, String query) {
        return api.get("/v1/transfers" + query, user.token());
    }

    private static List<String> ids(JsonNode page) {
        List<String> ids = new ArrayList<>();
        page.get("items").forEach(item -> ids.add(item.get("id").asString()));
        return ids;
    }

    private static void assertProblem(Api.Response response, int status, String code) {
        assertThat(response.status()).as(response.body()).isEqualTo(status);
        assertThat(response.header("Content-Type")).startsWith("application/problem+json");
        assertThat(response.code()).isEqualTo(code);
    }

    // --- POST /v1/transfers ---

    @Test
    void transfer_byHandle_isCreatedWithEveryField() {
        Api.User alice = fundedUser(10_000);
        Api.User bob = api.newUser();
        Instant before = Instant.now().minus(Duration.ofSeconds(5));

        Api.Response response = transfer(
                alice,
                body(
                        "to_handle",
                        bob.handle(),
                        "amount",
                        "12.50",
                        "currency",
                        "USD",
                        "note",
                        "pizza 🍕",
                        "visibility",
                        "public"));

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        assertThat(response.header("Content-Type")).startsWith("application/json");
        JsonNode transfer = response.json();
        assertThat(transfer.get("id").asString())
                .satisfies(id -> assertThat(UUID.fromString(id).version()).isEqualTo(7));
        assertThat(transfer.get("status").asString()).isEqualTo("posted");
        assertThat(transfer.get("from_user_id").asString()).isEqualTo(alice.id().toString());
        assertThat(transfer.get("to_user_id").asString()).isEqualTo(bob.id().toString());
        assertThat(transfer.get("amount").isString()).isTrue();
        assertThat(transfer.get("amount").asString()).isEqualTo("12.50");
        assertThat(transfer.get("currency").asString()).isEqualTo("USD");
        assertThat(transfer.get("note").asString()).isEqualTo("pizza 🍕");
        assertThat(transfer.get("visibility").asString()).isEqualTo("public");
        Instant createdAt = Instant.parse(transfer.get("created_at").asString());
        assertThat(createdAt).isBetween(before, Instant.now().plus(Duration.ofSeconds(5)));
        assertThat(api.available(alice)).isEqualTo("87.50");
        assertThat(api.available(bob)).isEqualTo("12.50");
    }

    @Test
    void transfer_byUserId_isCreatedAndMovesTheMoney() {
        Api.User alice = fundedUser(10_000);
        Api.User bob = api.newUser();

        Api.Response response =
                transfer(alice, body("to_user_id", bob.id().toString(), "amount", "0.01", "currency", "USD"));

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        assertThat(response.json().get("to_user_id").asString())
                .isEqualTo(bob.id().toString());
        assertThat(response.json().get("amount").asString()).isEqualTo("0.01");
        assertThat(api.available(alice)).isEqualTo("99.99");
        assertThat(api.available(bob)).isEqualTo("0.01");
    }

    @Test
    void transfer_byHandleInAnyCase_reachesTheSameUser() {
        Api.User alice = fundedUser(10_000);
        Api.User bob = api.newUser();

        Api.Response upper = transfer(
                alice, body("to_handle", bob.handle().toUpperCase(Locale.ROOT), "amount", "1.00", "currency", "USD"));
        Api.Response mixed = transfer(
                alice, body("to_handle", "U" + bob.handle().substring(1), "amount", "2.00", "currency", "USD"));

        assertThat(upper.status()).as(upper.body()).isEqualTo(201);
        assertThat(mixed.status()).as(mixed.body()).isEqualTo(201);
        assertThat(upper.json().get("to_user_id").asString()).isEqualTo(bob.id().toString());
        assertThat(mixed.json().get("to_user_id").asString()).isEqualTo(bob.id().toString());
        assertThat(api.available(bob)).isEqualTo("3.00");
    }

    @Test
    void transfer_withoutVisibility_defaultsToFriends() {
        Api.User alice = fundedUser(10_000);
        Api.User bob = api.newUser();

        JsonNode transfer = paid(alice, bob, "1.00");

        assertThat(transfer.get("visibility").asString()).isEqualTo("friends");
    }

    @Test
    void transfer_withExplicitVisibility_keepsIt() {
        Api.User alice = fundedUser(10_000);
        Api.User bob = api.newUser();

        for (String visibility : List.of("public", "friends", "private")) {
            Api.Response response = transfer(
                    alice,
                    body("to_handle", bob.handle(), "amount", "1.00", "currency", "USD", "visibility", visibility));
            assertThat(response.status()).as(response.body()).isEqualTo(201);
            assertThat(response.json().get("visibility").asString()).isEqualTo(visibility);
            String id = response.json().get("id").asString();
            assertThat(api.get("/v1/transfers/" + id, alice.token())
                            .json()
                            .get("visibility")
                            .asString())
                    .isEqualTo(visibility);
        }
    }

    @Test
    void transfer_withoutNote_isCreatedWithNoNote() {
        Api.User alice = fundedUser(10_000);
        Api.User bob = api.newUser();

        JsonNode transfer = paid(alice, bob, "1.00");

        assertThat(transfer.get("note") == null || transfer.get("note").isNull())
                .isTrue();
    }

    @Test
    void transfer_ofTheWholeBalance_isCreatedAndLeavesZero() {
        Api.User alice = fundedUser(1_234);
        Api.User bob = api.newUser();

        paid(alice, bob, "12.34");

        assertThat(api.available(alice)).isEqualTo("0.00");
        assertThat(api.available(bob)).isEqualTo("12.34");
    }

    @Test
    void transfer_amountWithOneOrNoDecimals_isNormalisedToTheCurrencyScale() {
        Api.User alice = fundedUser(10_000);
        Api.User bob = api.newUser();

        assertThat(paid(alice, bob, "5").get("amount").asString()).isEqualTo("5.00");
        assertThat(paid(alice, bob, "0.5").get("amount").asString()).isEqualTo("0.50");
        assertThat(api.available(bob)).isEqualTo("5.50");
    }

    // --- cross-user attempts ---

    @Test
    void transfer_withFromUserIdInTheBody_isValidationFailedAndMovesNoMoney() {
        Api.User victim = fundedUser(10_000);
        Api.User thief = api.newUser();

        Api.Response response = transfer(
                thief,
                body(
                        "from_user_id",
                        victim.id().toString(),
                        "to_user_id",
                        thief.id().toString(),
                        "amount",
                        "50.00",
                        "currency",
                        "USD"));

        assertProblem(response, 400, "validation_failed");
        assertThat(api.available(victim)).isEqualTo("100.00");
        assertThat(api.available(thief)).isEqualTo("0.00");
    }

    @Test
    void transfer_alwaysDebitsTheTokenHolder_whateverIdsAreInTheBody() {
        Api.User victim = fundedUser(10_000);
        Api.User thief = fundedUser(1_000);

        // The thief names the victim as recipient: the thief pays the victim, never the reverse.
        Api.Response response =
                transfer(thief, body("to_user_id", victim.id().toString(), "amount", "5.00", "currency", "USD"));

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        assertThat(response.json().get("from_user_id").asString())
                .isEqualTo(thief.id().toString());
        assertThat(api.available(thief)).isEqualTo("5.00");
        assertThat(api.available(victim)).isEqualTo("105.00");
    }

    @Test
    void transfer_aboveTheSendersOwnBalance_isInsufficientFundsEvenIfTheRecipientIsRich() {
        Api.User rich = fundedUser(1_000_000);
        Api.User poor = api.newUser();

        Api.Response response =
                transfer(poor, body("to_user_id", rich.id().toString(), "amount", "1.00", "currency", "USD"));

        assertProblem(response, 422, "insufficient_funds");
        assertThat(api.available(rich)).isEqualTo("10000.00");
        assertThat(api.available(poor)).isEqualTo("0.00");
    }

    @Test
    void transfer_toTheIdOfALedgerAccountRatherThanAUser_isRecipientNotFound() {
        Api.User alice = fundedUser(10_000);
        UUID systemAccount = transactions.run(() -> ledger.systemAccount("test_funding", "USD"));

        Api.Response response =
                transfer(alice, body("to_user_id", systemAccount.toString(), "amount", "1.00", "currency", "USD"));

        assertProblem(response, 404, "recipient_not_found");
        assertThat(api.available(alice)).isEqualTo("100.00");
    }

    // --- GET /v1/transfers/{id} ---

    @Test
    void getTransfer_bySenderAndByRecipient_isTheSameTransferAsCreated() {
        Api.User alice = fundedUser(10_000);
        Api.User bob = api.newUser();
        Api.Response created = transfer(
                alice,
                body(
                        "to_handle",
                        bob.handle(),
                        "amount",
                        "12.50",
                        "currency",
                        "USD",
                        "note",
                        "lunch",
                        "visibility",
                        "private"));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        String id = created.json().get("id").asString();

        Api.Response bySender = api.get("/v1/transfers/" + id, alice.token());
        Api.Response byRecipient = api.get("/v1/transfers/" + id, bob.token());

        assertThat(bySender.status()).as(bySender.body()).isEqualTo(200);
        assertThat(byRecipient.status()).as(byRecipient.body()).isEqualTo(200);
        assertThat(bySender.header("Content-Type")).startsWith("application/json");
        for (String field : List.of(
                "id",
                "status",
                "from_user_id",
                "to_user_id",
                "amount",
                "currency",
                "note",
                "visibility",
                "created_at")) {
            assertThat(bySender.json().get(field))
                    .as(field)
                    .isNotNull()
                    .isEqualTo(created.json().get(field));
            assertThat(byRecipient.json().get(field))
                    .as(field)
                    .isNotNull()
                    .isEqualTo(created.json().get(field));
        }
        assertThat(bySender.json()).isEqualTo(created.json());
        assertThat(byRecipient.json()).isEqualTo(created.json());
    }

    @Test
    void getTransfer_byAThirdUser_isNotFound() {
        Api.User alice = fundedUser(10_000);
        Api.User bob = api.newUser();
        Api.User eve = api.newUser();
        String id = paid(alice, bob, "1.00").get("id").asString();

        Api.Response response = api.get("/v1/transfers/" + id, eve.token());

        assertProblem(response, 404, "not_found");
        assertThat(response.body())
                .doesNotContain(alice.id().toString(), bob.id().toString(), "1.00");
    }

    @Test
    void getTransfer_ofAThirdUser_looksExactlyLikeOneThatDoesNotExist() {
        Api.User alice = fundedUser(10_000);
        Api.User bob = api.newUser();
        Api.User eve = api.newUser();
        String existing = paid(alice, bob, "1.00").get("id").asString();
        String missing = UUID.randomUUID().toString();

        Api.Response other = api.get("/v1/transfers/" + existing, eve.token());
        Api.Response absent = api.get("/v1/transfers/" + missing, eve.token());

        assertThat(other.status()).isEqualTo(absent.status());
        assertThat(other.code()).isEqualTo(absent.code());
        assertThat(other.json().get("title")).isEqualTo(absent.json().get("title"));
        assertThat(other.json().get("detail").asString().replace(existing, "ID"))
                .isEqualTo(absent.json().get("detail").asString().replace(missing, "ID"));
    }

    @Test
    void getTransfer_withRandomUuid_isNotFound() {
        Api.User alice = api.newUser();

        assertProblem(api.get("/v1/transfers/" + UUID.randomUUID(), alice.token()), 404, "not_found");
    }

    @Test
    void getTransfer_withNonUuidId_isNotFound() {
        Api.User alice = api.newUser();

        assertProblem(api.get("/v1/transfers/not-a-uuid", alice.token()), 404, "not_found");
        assertProblem(api.get("/v1/transfers/12345", alice.token()), 404, "not_found");
    }

    @Test
    void getTransfer_ofTheFundingTransfer_isVisibleToTheFundedUser() {
        Api.User alice = fundedUser(10_000);

        JsonNode page = history(alice, "").json();

        assertThat(page.get("items")).hasSize(1);
        JsonNode funding = page.get("items").get(0);
        assertThat(funding.get("to_user_id").asString()).isEqualTo(alice.id().toString());
        assertThat(funding.get("amount").asString()).isEqualTo("100.00");
        Api.Response byId = api.get("/v1/transfers/" + funding.get("id").asString(), alice.token());
        assertThat(byId.status()).isEqualTo(200);
    }

    // --- GET /v1/transfers ---

    @Test
    void history_ofANewUser_isEmptyWithoutCursor() {
        Api.User alice = api.newUser();

        Api.Response response = history(alice, "");

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.json().get("items")).isEmpty();
        assertThat(response.json().get("next_cursor")).isNull();
    }

    @Test
    void history_listsTheCallersTransfersNewestFirst_withTheSameFieldsAsCreated() {
        Api.User alice = fundedUser(10_000);
        Api.User bob = api.newUser();
        Api.User carol = fundedUser(10_000);
        JsonNode first = paid(alice, bob, "1.00");
        JsonNode second = paid(carol, bob, "2.00");
        JsonNode third = paid(bob, alice, "0.50");

        JsonNode page = history(bob, "").json();

        assertThat(ids(page))
                .containsExactly(
                        third.get("id").asString(),
                        second.get("id").asString(),
                        first.get("id").asString());
        assertThat(page.get("items").get(0)).isEqualTo(third);
        assertThat(page.get("items").get(1)).isEqualTo(second);
        assertThat(page.get("items").get(2)).isEqualTo(first);
        assertThat(page.get("next_cursor")).isNull();
    }

    @Test
    void history_ofUserA_neverShowsTransfersBetweenBAndC() {
        Api.User a = fundedUser(10_000);
        Api.User b = fundedUser(10_000);
        Api.User c = api.newUser();
        String aToB = paid(a, b, "1.00").get("id").asString();
        String bToC = paid(b, c, "2.00").get("id").asString();
        String cToB = paid(c, b, "0.50").get("id").asString();

        List<String> ofA = ids(history(a, "?limit=100").json());

        assertThat(ofA).contains(aToB).doesNotContain(bToC, cToB);
        assertThat(ids(history(c, "?limit=100").json())).containsExactly(cToB, bToC);
        assertProblem(api.get("/v1/transfers/" + bToC, a.token()), 404, "not_found");
    }

    @Test
    void history_withoutLimit_returnsTwentyAndACursorToTheRest() {
        Api.User alice = fundedUser(10_000);
        Api.User bob = api.newUser();
        List<String> created = new ArrayList<>();
        for (int i = 0; i < 21; i++) {
            created.add(0, paid(alice, bob, "0.01").get("id").asString());
        }

        JsonNode firstPage = history(bob, "").json();

        assertThat(ids(firstPage)).containsExactlyElementsOf(created.subList(0, 20));
        assertThat(firstPage.get("next_cursor").asString()).isNotBlank();
        JsonNode secondPage = history(
                        bob, "?cursor=" + firstPage.get("next_cursor").asString())
                .json();
        assertThat(ids(secondPage)).containsExactly(created.get(20));
        assertThat(secondPage.get("next_cursor")).isNull();
    }

    @Test
    void history_pagedTwoAtATimeThroughFiveTransfers_returnsEachOnceInOrderAndNoCursorOnTheLastPage() {
        Api.User alice = fundedUser(10_000);
        Api.User bob = api.newUser();
        List<String> created = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            created.add(0, paid(alice, bob, "1.0" + i).get("id").asString());
        }

        List<String> seen = new ArrayList<>();
        List<Integer> pageSizes = new ArrayList<>();
        String cursor = null;
        do {
            Api.Response page = history(bob, "?limit=2" + (cursor == null ? "" : "&cursor=" + cursor));
            assertThat(page.status()).as(page.body()).isEqualTo(200);
            pageSizes.add(page.json().get("items").size());
            seen.addAll(ids(page.json()));
            JsonNode next = page.json().get("next_cursor");
            cursor = next == null || next.isNull() ? null : next.asString();
        } while (cursor != null && pageSizes.size() < 10);

        assertThat(seen).containsExactlyElementsOf(created);
        assertThat(pageSizes).containsExactly(2, 2, 1);
    }

    @Test
    void history_whenTheLastPageIsFull_hasNoCursorRatherThanAnEmptyPageAfterIt() {
        Api.User alice = fundedUser(10_000);
        Api.User bob = api.newUser();
        for (int i = 0; i < 4; i++) {
            paid(alice, bob, "1.00");
        }

        JsonNode first = history(bob, "?limit=2").json();
        JsonNode second = history(
                        bob, "?limit=2&cursor=" + first.get("next_cursor").asString())
                .json();

        assertThat(first.get("items")).hasSize(2);
        assertThat(second.get("items")).hasSize(2);
        assertThat(second.get("next_cursor")).isNull();
    }

    @Test
    void history_cursorIsStableWhenNewTransfersArriveBetweenPages() {
        Api.User alice = fundedUser(10_000);
        Api.User bob = api.newUser();
        List<String> created = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            created.add(0, paid(alice, bob, "1.00").get("id").asString());
        }
        JsonNode first = history(bob, "?limit=2").json();

        String newer = paid(alice, bob, "1.00").get("id").asString();
        JsonNode second = history(
                        bob, "?limit=2&cursor=" + first.get("next_cursor").asString())
                .json();

        assertThat(ids(first)).containsExactlyElementsOf(created.subList(0, 2));
        assertThat(ids(second)).containsExactly(created.get(2));
        assertThat(ids(history(bob, "?limit=1").json())).containsExactly(newer);
    }

    @Test
    void history_withLimitOneAndOneHundred_isOk() {
        Api.User alice = fundedUser(10_000);
        Api.User bob = api.newUser();
        paid(alice, bob, "1.00");
        paid(alice, bob, "1.00");

        assertThat(history(bob, "?limit=1").json().get("items")).hasSize(1);
        assertThat(history(bob, "?limit=100").json().get("items")).hasSize(2);
    }

    @Test
    void history_withLimitZero_isValidationFailed() {
        assertProblem(history(api.newUser(), "?limit=0"), 400, "validation_failed");
    }

    @Test
    void history_withLimit101_isValidationFailed() {
        assertProblem(history(api.newUser(), "?limit=101"), 400, "validation_failed");
    }

    @Test
    void history_withNegativeLimit_isValidationFailed() {
        assertProblem(history(api.newUser(), "?limit=-1"), 400, "validation_failed");
    }

    @Test
    void history_withNonNumericLimit_isValidationFailed() {
        assertProblem(history(api.newUser(), "?limit=abc"), 400, "validation_failed");
        assertProblem(history(api.newUser(), "?limit=99999999999999999999"), 400, "validation_failed");
    }

    @Test
    void history_withGarbageCursor_isInvalidCursor() {
        assertProblem(history(api.newUser(), "?cursor=!!!"), 400, "invalid_cursor");
        assertProblem(history(api.newUser(), "?cursor=%00"), 400, "invalid_cursor");
    }

    @Test
    void history_withTruncatedCursor_isInvalidCursor() {
        Api.User alice = fundedUser(10_000);
        Api.User bob = api.newUser();
        paid(alice, bob, "1.00");
        paid(alice, bob, "1.00");
        String cursor = history(bob, "?limit=1").json().get("next_cursor").asString();

        assertProblem(history(bob, "?cursor=" + cursor.substring(0, cursor.length() - 1)), 400, "invalid_cursor");
        assertProblem(history(bob, "?cursor=" + cursor.substring(0, cursor.length() - 4)), 400, "invalid_cursor");
        assertProblem(history(bob, "?cursor=" + cursor + "AAAA"), 400, "invalid_cursor");
    }

    @Test
    void history_withAnotherUsersCursor_stillShowsOnlyTheCallersTransfers() {
        Api.User alice = fundedUser(10_000);
        Api.User bob = api.newUser();
        Api.User carol = fundedUser(10_000);
        Api.User dave = api.newUser();
        String carolToDave = paid(carol, dave, "1.00").get("id").asString();
        paid(alice, bob, "1.00");
        paid(alice, bob, "1.00");
        paid(alice, bob, "1.00");
        String bobsCursor = history(bob, "?limit=1").json().get("next_cursor").asString();

        List<String> davesPage = ids(history(dave, "?cursor=" + bobsCursor).json());

        assertThat(davesPage).containsExactly(carolToDave);
    }
}
