package org.openwallet.notification;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openwallet.Api;
import org.openwallet.LedgerTestSupport;
import org.openwallet.WalletIntegrationTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/** The notification API: pages, read state, ownership, and the webhook settings, in the default context (private addresses refused). */
class NotificationApiTest extends WalletIntegrationTest {
    @LocalServerPort
    int serverPort;

    Inbox inbox;

    @BeforeEach
    void connect() {
        inbox = new Inbox(api, "http://127.0.0.1:" + serverPort);
    }

    private static void assertProblem(Api.Response response, int status, String code) {
        assertThat(response.status()).as(response.body()).isEqualTo(status);
        assertThat(response.header("Content-Type")).startsWith("application/problem+json");
        assertThat(response.code()).isEqualTo(code);
    }

    /** Bob receives {@code count} payments from a new payer, one after another; returns the transfer ids in payment order. */
    private List<String> paymentsTo(Api.User bob, int count) {
        Api.User alice = api.newUser();
        LedgerTestSupport.fund(transactions, ledger, alice.id(), 100_000);
        List<String> transferIds = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            Api.Response paid = api.pay(alice, bob, i + ".00");
            assertThat(paid.status()).as(paid.body()).isEqualTo(201);
            transferIds.add(paid.json().get("id").asString());
        }
        inbox.await(bob, items -> items.size() >= count, count + " notifications");
        return transferIds;
    }

    private static List<String> transferIds(JsonNode page) {
        List<String> ids = new ArrayList<>();
        page.get("items").forEach(item -> ids.add(item.get("transfer_id").asString()));
        return ids;
    }

    @Test
    void list_isNewestFirst_inPagesOfLimit_withNoCursorOnTheLastPage() {
        Api.User bob = api.newUser();
        List<String> newestFirst = new ArrayList<>(paymentsTo(bob, 5));
        Collections.reverse(newestFirst);

        Api.Response first = inbox.page(bob, "limit=2");
        Api.Response second = inbox.page(
                bob, "limit=2&cursor=" + first.json().get("next_cursor").asString());
        Api.Response third = inbox.page(
                bob, "limit=2&cursor=" + second.json().get("next_cursor").asString());

        assertThat(transferIds(first.json())).isEqualTo(newestFirst.subList(0, 2));
        assertThat(transferIds(second.json())).isEqualTo(newestFirst.subList(2, 4));
        assertThat(transferIds(third.json())).isEqualTo(newestFirst.subList(4, 5));
        assertThat(third.json().has("next_cursor")).isFalse();
        Api.Response exact = inbox.page(bob, "limit=5");
        assertThat(transferIds(exact.json())).isEqualTo(newestFirst);
        assertThat(exact.json().has("next_cursor"))
                .as("a full last page has no cursor either")
                .isFalse();
    }

    @Test
    void list_withoutLimit_returnsTwentyPerPage() {
        Api.User bob = api.newUser();
        paymentsTo(bob, 21);

        Api.Response first = inbox.page(bob, "");

        assertThat(first.json().get("items").size()).isEqualTo(20);
        assertThat(inbox.page(bob, "cursor=" + first.json().get("next_cursor").asString())
                        .json()
                        .get("items")
                        .size())
                .isEqualTo(1);
    }

    @Test
    void list_withLimitOutsideOneToHundredOrNotANumber_isRefused() {
        Api.User bob = api.newUser();

        assertProblem(inbox.page(bob, "limit=0"), 400, "validation_failed");
        assertProblem(inbox.page(bob, "limit=101"), 400, "validation_failed");
        assertProblem(inbox.page(bob, "limit=ten"), 400, "validation_failed");
        assertThat(inbox.page(bob, "limit=100").status()).isEqualTo(200);
        assertThat(inbox.page(bob, "limit=1").status()).isEqualTo(200);
    }

    @Test
    void list_withACursorThisApiDidNotIssue_isInvalidCursor() {
        Api.User bob = api.newUser();

        assertProblem(inbox.page(bob, "cursor=not*base64"), 400, "invalid_cursor");
        assertProblem(
                inbox.page(
                        bob, "cursor=" + Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[15])),
                400,
                "invalid_cursor");
        assertProblem(inbox.page(bob, "unread_only=perhaps"), 400, "validation_failed");
    }

    @Test
    void list_withoutToken_isUnauthorized() {
        assertProblem(api.get("/v1/notifications", null), 401, "unauthorized");
    }

    @Test
    void markRead_isIdempotent_andUnreadOnlyLeavesReadOnesOut() {
        Api.User bob = api.newUser();
        List<String> transfers = paymentsTo(bob, 3);
        List<JsonNode> all = inbox.all(bob);
        String readId = all.stream()
                .filter(item -> item.get("transfer_id").asString().equals(transfers.get(1)))
                .findFirst()
                .orElseThrow()
                .get("id")
                .asString();

        assertThat(inbox.markRead(bob, readId).status()).isEqualTo(204);
        assertThat(inbox.markRead(bob, readId).status())
                .as("marking twice is fine")
                .isEqualTo(204);

        List<JsonNode> after = inbox.all(bob);
        assertThat(after).hasSize(3);
        for (JsonNode item : after) {
            assertThat(item.get("read").asBoolean())
                    .as(item.toString())
                    .isEqualTo(item.get("id").asString().equals(readId));
        }
        Api.Response unread = inbox.page(bob, "unread_only=true");
        assertThat(transferIds(unread.json())).containsExactly(transfers.get(2), transfers.get(0));
        Api.Response unreadPaged = inbox.page(bob, "unread_only=true&limit=1");
        Api.Response unreadRest = inbox.page(
                bob,
                "unread_only=true&limit=1&cursor="
                        + unreadPaged.json().get("next_cursor").asString());
        assertThat(transferIds(unreadRest.json())).containsExactly(transfers.get(0));
        assertThat(unreadRest.json().has("next_cursor")).isFalse();
    }

    @Test
    void markRead_ofAnotherUsersOrUnknownNotification_isNotFound_andChangesNothing() {
        Api.User bob = api.newUser();
        Api.User mallory = api.newUser();
        paymentsTo(bob, 1);
        String bobsId = inbox.all(bob).getFirst().get("id").asString();

        assertProblem(inbox.markRead(mallory, bobsId), 404, "not_found");
        assertProblem(inbox.markRead(bob, UUID.randomUUID().toString()), 404, "not_found");
        assertProblem(inbox.markRead(bob, "not-a-uuid"), 404, "not_found");
        assertThat(inbox.all(bob).getFirst().get("read").asBoolean()).isFalse();
        assertThat(inbox.all(mallory)).isEmpty();
    }

    @Test
    void putWebhook_withUrlThatIsNotHttpOrTooLongOrHasCredentials_isValidationFailed() {
        Api.User bob = api.newUser();
        String tooLong = "https://93.184.216.34/" + "a".repeat(3000 - "https://93.184.216.34/".length());

        for (String url : List.of(
                "ftp://93.184.216.34/hook",
                tooLong,
                "https://user:pass@93.184.216.34/hook",
                "/relative/hook",
                "not a url",
                "",
                "javascript:alert(1)",
                "file:///etc/passwd")) {
            assertProblem(inbox.putWebhookUrl(bob, url), 400, "validation_failed");
        }
        assertProblem(inbox.putWebhook(bob, "{}"), 400, "validation_failed");
        assertProblem(inbox.putWebhook(bob, "{\"url\": 5}"), 400, "validation_failed");
        assertProblem(inbox.getWebhook(bob), 404, "not_found");
    }

    @Test
    void putWebhook_atTheLengthLimit_isAccepted() {
        Api.User bob = api.newUser();
        String prefix = "https://93.184.216.34/";
        String longest = prefix + "a".repeat(2048 - prefix.length());

        assertThat(inbox.putWebhookUrl(bob, longest).status()).isEqualTo(200);
        assertProblem(inbox.putWebhookUrl(bob, longest + "a"), 400, "validation_failed");
    }

    @Test
    void putWebhook_toLoopbackPrivateOrLinkLocalAddress_isRefusedByDefault() {
        Api.User bob = api.newUser();

        for (String url : List.of(
                "http://127.0.0.1:8080/hook",
                "http://localhost/hook",
                "http://10.1.2.3/hook",
                "http://192.168.1.10/hook",
                "http://172.16.0.1/hook",
                "http://169.254.169.254/latest/meta-data",
                "http://[::1]/hook",
                "http://0.0.0.0/hook",
                "http://[fd00::1]/hook",
                "http://100.64.0.1/hook")) {
            Api.Response response = inbox.putWebhookUrl(bob, url);
            assertProblem(response, 400, "validation_failed");
            assertThat(response.json().get("detail").asString()).as(url).contains("public address");
        }
        assertProblem(inbox.getWebhook(bob), 404, "not_found");
    }

    @Test
    void putWebhook_returnsAFreshSecretEachTime_getShowsOnlyTheUrl_deleteRemovesIt() {
        Api.User bob = api.newUser();
        String url = "https://93.184.216.34/hooks/wallet";

        Api.Response created = inbox.putWebhookUrl(bob, url);
        Api.Response replaced = inbox.putWebhook(bob, Map.of("url", url));

        assertThat(created.status()).as(created.body()).isEqualTo(200);
        assertThat(created.json().get("url").asString()).isEqualTo(url);
        String secret = created.json().get("secret").asString();
        assertThat(Base64.getUrlDecoder().decode(secret)).hasSize(32);
        assertThat(replaced.json().get("secret").asString()).isNotEqualTo(secret);
        Api.Response shown = inbox.getWebhook(bob);
        assertThat(shown.status()).isEqualTo(200);
        assertThat(shown.json().propertyNames()).containsExactly("url");
        assertThat(shown.json().get("url").asString()).isEqualTo(url);
        assertProblem(inbox.getWebhook(api.newUser()), 404, "not_found");

        assertThat(inbox.deleteWebhook(bob).status()).isEqualTo(204);
        assertProblem(inbox.getWebhook(bob), 404, "not_found");
        assertThat(inbox.deleteWebhook(bob).status())
                .as("deleting again is fine")
                .isEqualTo(204);
    }
}
