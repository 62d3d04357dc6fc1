package org.openwallet.notification;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.net.URI;
import java.util.List;
import java.util.UUID;
import org.openwallet.identity.AuthenticatedUser;
import org.openwallet.platform.web.ApiContract;
import org.openwallet.platform.web.ProblemCode;
import org.openwallet.platform.web.ProblemException;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
@Tag(name = "Notifications", description = "What happened to the caller's wallet, in the app and by webhook")
class NotificationController {
    private final Notifications notifications;
    private final Webhooks webhooks;
    private final NotificationProperties properties;

    NotificationController(Notifications notifications, Webhooks webhooks, NotificationProperties properties) {
        this.notifications = notifications;
        this.webhooks = webhooks;
        this.properties = properties;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Page(List<NotificationView> items, String nextCursor) {}

    @GetMapping("/v1/notifications")
    @ApiContract
    @Operation(summary = "The caller's notifications, newest first", description = """
            Pass next_cursor back as cursor for the next page; it is absent on the last page. \
            limit is 1-100 (default 20); unread_only=true leaves out those marked as read.""")
    Page list(
            @Parameter(hidden = true) AuthenticatedUser user,
            @RequestParam(defaultValue = "" + Notifications.DEFAULT_PAGE_SIZE) int limit,
            @RequestParam(required = false) String cursor,
            @RequestParam(name = "unread_only", defaultValue = "false") boolean unreadOnly) {
        Notifications.Page page = notifications.page(user.userId(), limit, cursor, unreadOnly);
        return new Page(page.items().stream().map(NotificationView::of).toList(), page.nextCursor());
    }

    @PostMapping("/v1/notifications/{id}/read")
    @ApiContract(problems = ProblemCode.NOT_FOUND)
    @Operation(
            summary = "Mark one of the caller's notifications as read",
            description = "Marking it again changes nothing.",
            responses = {
                @ApiResponse(responseCode = "204", description = "Marked as read"),
                @ApiResponse(responseCode = "404", description = "not_found: no such notification, or not the caller's")
            })
    ResponseEntity<Void> markRead(@Parameter(hidden = true) AuthenticatedUser user, @PathVariable String id) {
        // Another user's notification and none at all look the same, so ids reveal nothing.
        if (!notifications.markRead(user.userId(), parseId(id))) {
            throw notFound(id);
        }
        return ResponseEntity.noContent().build();
    }

    record WebhookRequest(String url) {}

    record WebhookCreated(String url, String secret) {}

    record WebhookView(String url) {}

    @PutMapping(path = "/v1/notifications/webhook", consumes = MediaType.APPLICATION_JSON_VALUE)
    @ApiContract
    @Operation(
            summary = "Send the caller's notifications to a URL",
            description = """
            Stores the URL (http or https, at most 2048 characters, no user name or password, a public address) \
            and returns a new secret, shown only this once. Each delivery is a POST of the notification as JSON \
            with the headers Wallet-Notification-Id and Wallet-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of \
            "<t>.<body>" keyed with the secret>. Setting the URL again replaces it and the secret.""",
            responses = {
                @ApiResponse(responseCode = "200", description = "Stored; the secret is in the body"),
                @ApiResponse(responseCode = "400", description = "validation_failed: the URL is not allowed")
            })
    WebhookCreated putWebhook(@Parameter(hidden = true) AuthenticatedUser user, @RequestBody WebhookRequest request) {
        String url = request.url();
        WebhookUrls.refusal(url, properties.webhook().allowPrivateAddresses()).ifPresent(reason -> {
            throw new ProblemException(ProblemCode.VALIDATION_FAILED, reason);
        });
        String secret = webhooks.replace(user.userId(), URI.create(url));
        return new WebhookCreated(url, secret);
    }

    @GetMapping("/v1/notifications/webhook")
    @ApiContract(problems = ProblemCode.NOT_FOUND)
    @Operation(
            summary = "The caller's webhook URL (never its secret)",
            description = "The secret is shown only once, when the URL is set.",
            responses = {
                @ApiResponse(responseCode = "200", description = "The URL"),
                @ApiResponse(responseCode = "404", description = "not_found: no webhook is set")
            })
    WebhookView getWebhook(@Parameter(hidden = true) AuthenticatedUser user) {
        return webhooks.find(user.userId())
                .map(webhook -> new WebhookView(webhook.url().toString()))
                .orElseThrow(() -> new ProblemException(ProblemCode.NOT_FOUND, "No webhook is set."));
    }

    @DeleteMapping("/v1/notifications/webhook")
    @ApiContract
    @Operation(
            summary = "Stop sending the caller's notifications to a webhook",
            description = "Deleting when none is set changes nothing.",
            responses = @ApiResponse(responseCode = "204", description = "No webhook is set any more"))
    ResponseEntity<Void> deleteWebhook(@Parameter(hidden = true) AuthenticatedUser user) {
        webhooks.delete(user.userId());
        return ResponseEntity.noContent().build();
    }

    private static UUID parseId(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException notUuid) {
            throw notFound(id);
        }
    }

    private static ProblemException notFound(String id) {
        return new ProblemException(ProblemCode.NOT_FOUND, "No notification " + id + ".");
    }
}
