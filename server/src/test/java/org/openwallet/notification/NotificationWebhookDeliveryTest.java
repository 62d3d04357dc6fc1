package org.openwallet.notification;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openwallet.Api;
import org.openwallet.Eventually;
import org.openwallet.LedgerTestSupport;
import org.openwallet.OwnDataDirectory;
import org.openwallet.WalletIntegrationTest;
import org.openwallet.platform.config.WalletProperties;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Webhook delivery end to end: payment, event, notification, signed POST to a receiver on
 * 127.0.0.1. Loopback is a private address, so this class runs in a context of its own that
 * allows them, with its own data directory (and so its own PostgreSQL, Redis and Kafka). The
 * context is closed after the class: kept in the cache, its second Kafka, Debezium and database
 * would slow every later test down for nothing.
 */
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
@TestPropertySource(
        properties = {
            "wallet.test.context=notification-webhook-delivery",
            "wallet.notifications.webhook.allow-private-addresses=true"
        })
@ContextConfiguration(initializers = OwnDataDirectory.class)
class NotificationWebhookDeliveryTest extends WalletIntegrationTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration QUIET_WAIT = Duration.ofSeconds(3);
    private static WebhookReceiver receiver;

    @Autowired
    MeterRegistry meters;

    @Autowired
    WalletProperties properties;

    @LocalServerPort
    int serverPort;

    Inbox inbox;

    @BeforeAll
    static void startReceiver() throws IOException {
        receiver = new WebhookReceiver();
    }

    @AfterAll
    static void stopReceiver() {
        receiver.close();
    }

    @BeforeEach
    void connect() {
        inbox = new Inbox(api, "http://127.0.0.1:" + serverPort);
    }

    private Api.User payer() {
        Api.User user = api.newUser();
        LedgerTestSupport.fund(transactions, ledger, user.id(), 100_000);
        return user;
    }

    /** Sets the user's webhook to {@code path} on the receiver and returns the secret. */
    private String webhook(Api.User user, String path) {
        Api.Response response = inbox.putWebhookUrl(user, receiver.url(path));
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response.json().get("secret").asString();
    }

    private String pay(Api.User from, Api.User to, String amount) {
        Api.Response response = api.pay(from, to, amount);
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        return response.json().get("id").asString();
    }

    private double count(String outcome) {
        Counter counter =
                meters.find(WebhookSender.METRIC).tag("outcome", outcome).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void context_runsOnItsOwnDataDirectory() {
        assertThat(properties.dataDir().getFileName().toString()).startsWith(OwnDataDirectory.PREFIX);
    }

    @Test
    void payment_isPostedToTheReceiversWebhook_signedWithItsSecret() {
        Api.User alice = payer();
        Api.User bob = api.newUser();
        String path = receiver.path("bob-" + bob.id(), n -> 204);
        String secret = webhook(bob, path);

        String transferId = pay(alice, bob, "12.50");

        WebhookReceiver.Request request = receiver.await(path, 1).getFirst();
        JsonNode body = JSON.readTree(request.body());
        JsonNode stored = Inbox.forTransfer(inbox.awaitTransfer(bob, transferId), transferId)
                .getFirst();
        assertThat(body).isEqualTo(stored);
        assertThat(body.get("transfer_id").asString()).isEqualTo(transferId);
        assertThat(body.get("from_user_id").asString()).isEqualTo(alice.id().toString());
        assertThat(body.get("from_handle").asString()).isEqualTo(alice.handle());
        assertThat(body.get("amount").asString()).isEqualTo("12.50");
        assertThat(body.get("currency").asString()).isEqualTo("USD");
        assertThat(request.header("Wallet-Notification-Id"))
                .isEqualTo(stored.get("id").asString());
        assertThat(request.header("Content-Type")).isEqualTo("application/json");
        String signature = request.header("Wallet-Signature");
        assertThat(WebhookReceiver.signatureValid(signature, secret, request.body()))
                .as(signature)
                .isTrue();
        long signedAt = Long.parseLong(signature.substring(2, signature.indexOf(',')));
        assertThat(signedAt)
                .isBetween(Instant.now().getEpochSecond() - 60, Instant.now().getEpochSecond() + 1);
        // The payer has no notification, so nothing is posted for it even with a webhook of its own.
        assertThat(inbox.all(alice)).isEmpty();
    }

    @Test
    void receiverAnsweringServerError_isRetried_andTheRetryIsSignedAgain() {
        Api.User alice = payer();
        Api.User bob = api.newUser();
        String path = receiver.path("flaky-" + bob.id(), n -> n == 1 ? 500 : 204);
        String secret = webhook(bob, path);
        double deliveredBefore = count("delivered");

        pay(alice, bob, "1.00");

        List<WebhookReceiver.Request> requests = receiver.await(path, 2);
        Eventually.pause(QUIET_WAIT);
        assertThat(receiver.requests(path))
                .as("no attempt after the one that succeeded")
                .hasSize(2);
        assertThat(requests.get(1).header("Wallet-Notification-Id"))
                .isEqualTo(requests.get(0).header("Wallet-Notification-Id"));
        assertThat(requests.get(1).body()).isEqualTo(requests.get(0).body());
        assertThat(requests)
                .allSatisfy(request -> assertThat(WebhookReceiver.signatureValid(
                                request.header("Wallet-Signature"), secret, request.body()))
                        .isTrue());
        assertThat(count("delivered")).isGreaterThan(deliveredBefore);
    }

    @Test
    void receiverAlwaysFailing_isTriedThreeTimes_thenGivenUp() {
        Api.User alice = payer();
        Api.User bob = api.newUser();
        String path = receiver.path("down-" + bob.id(), n -> 502);
        webhook(bob, path);
        double failedBefore = count("failed");

        String transferId = pay(alice, bob, "2.00");

        receiver.await(path, 3);
        // The notification is stored whatever the webhook does.
        inbox.awaitTransfer(bob, transferId);
        Eventually.pause(QUIET_WAIT);
        assertThat(receiver.requests(path)).hasSize(3);
        assertThat(count("failed")).isEqualTo(failedBefore + 1);
    }

    @Test
    void newSecret_signsTheNextDelivery_andTheOldOneNoLongerVerifies() {
        Api.User alice = payer();
        Api.User bob = api.newUser();
        String path = receiver.path("rotated-" + bob.id(), n -> 204);
        String oldSecret = webhook(bob, path);
        String newSecret = webhook(bob, path);

        pay(alice, bob, "3.00");

        WebhookReceiver.Request request = receiver.await(path, 1).getFirst();
        assertThat(WebhookReceiver.signatureValid(request.header("Wallet-Signature"), newSecret, request.body()))
                .isTrue();
        assertThat(WebhookReceiver.signatureValid(request.header("Wallet-Signature"), oldSecret, request.body()))
                .isFalse();
    }

    @Test
    void putWebhook_toLoopback_isAccepted_whenPrivateAddressesAreAllowed() {
        Api.User bob = api.newUser();

        Api.Response response = inbox.putWebhookUrl(bob, "http://127.0.0.1:9/hook");

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(inbox.putWebhookUrl(bob, "ftp://127.0.0.1/hook").status())
                .as("the other rules still hold")
                .isEqualTo(400);
    }
}
