package org.openwallet.notification;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.openwallet.Api;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The notification API as a client uses it, and a bounded wait for notifications that arrive through Kafka. */
final class Inbox {
    /** How long an event may take from the payment to the notification in these tests. */
    static final Duration ARRIVAL_WAIT = Duration.ofSeconds(30);

    private static final Duration POLL_INTERVAL = Duration.ofMillis(100);
    private static final int MAX_PAGES = 100;
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private final Api api;
    private final String baseUrl;

    Inbox(Api api, String baseUrl) {
        this.api = api;
        this.baseUrl = baseUrl;
    }

    Api.Response page(Api.User user, String query) {
        return api.get("/v1/notifications" + (query.isEmpty() ? "" : "?" + query), user.token());
    }

    /** Every notification of the user, newest first, following next_cursor through pages of {@code limit}. */
    List<JsonNode> all(Api.User user, int limit) {
        List<JsonNode> items = new ArrayList<>();
        String cursor = null;
        for (int pages = 0; pages < MAX_PAGES; pages++) {
            Api.Response response = page(user, "limit=" + limit + (cursor == null ? "" : "&cursor=" + cursor));
            if (response.status() != 200) {
                throw new AssertionError(
                        "GET /v1/notifications answered " + response.status() + ": " + response.body());
            }
            response.json().get("items").forEach(items::add);
            JsonNode next = response.json().get("next_cursor");
            if (next == null) {
                return items;
            }
            cursor = next.asString();
        }
        throw new AssertionError("more than " + MAX_PAGES + " pages of notifications");
    }

    List<JsonNode> all(Api.User user) {
        return all(user, 100);
    }

    /** Waits until the user's notifications satisfy {@code done}, and returns them; fails after {@link #ARRIVAL_WAIT}. */
    List<JsonNode> await(Api.User user, Predicate<List<JsonNode>> done, String what) {
        return Awaitility.await("@" + user.handle() + "'s notifications of " + what)
                .atMost(ARRIVAL_WAIT)
                .pollInterval(POLL_INTERVAL)
                .until(() -> all(user), done);
    }

    /** Waits for the notification of {@code transferId} and returns all the user's notifications. */
    List<JsonNode> awaitTransfer(Api.User user, String transferId) {
        return await(
                user,
                items -> items.stream()
                        .anyMatch(item ->
                                transferId.equals(item.get("transfer_id").asString())),
                "the notification of transfer " + transferId);
    }

    static List<JsonNode> forTransfer(List<JsonNode> items, String transferId) {
        return items.stream()
                .filter(item -> transferId.equals(item.get("transfer_id").asString()))
                .toList();
    }

    Api.Response markRead(Api.User user, String notificationId) {
        return api.post("/v1/notifications/" + notificationId + "/read", user.token(), null, "");
    }

    Api.Response putWebhook(Api.User user, Object body) {
        return send(
                "PUT",
                "/v1/notifications/webhook",
                user.token(),
                body instanceof String text ? text : JSON.writeValueAsString(body));
    }

    Api.Response putWebhookUrl(Api.User user, String url) {
        return putWebhook(user, Map.of("url", url));
    }

    Api.Response getWebhook(Api.User user) {
        return api.get("/v1/notifications/webhook", user.token());
    }

    Api.Response deleteWebhook(Api.User user) {
        return send("DELETE", "/v1/notifications/webhook", user.token(), null);
    }

    private Api.Response send(String method, String path, String token, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token);
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(body));
        }
        try {
            HttpResponse<String> response = CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Api.Response(response.statusCode(), response);
        } catch (IOException exception) {
            throw new IllegalStateException(exception);
        } catch (InterruptedException exception) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(exception);
        }
    }
}
