package org.openwallet.notification;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openwallet.Api;
import org.openwallet.WalletIntegrationTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/**
 * The notification consumer against the real pipeline: payment, outbox, Debezium, Kafka, consumer.
 * Duplicates and poison messages are in {@link NotificationDuplicateAndPoisonTest}.
 */
class NotificationConsumerTest extends WalletIntegrationTest {
    @LocalServerPort
    int serverPort;

    Inbox inbox;

    @BeforeEach
    void connect() {
        inbox = new Inbox(api, "http://127.0.0.1:" + serverPort);
    }

    private String pay(Api.User from, Api.User to, String amount) {
        Api.Response response = api.pay(from, to, amount);
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        return response.json().get("id").asString();
    }

    @Test
    void payment_givesTheReceiverExactlyOneNotificationNamingTransferSenderAndAmount_andTheSenderNone() {
        Api.User alice = fundedUser(100_000);
        Api.User bob = api.newUser();

        String transferId = pay(alice, bob, "12.50");

        List<JsonNode> bobs = inbox.awaitTransfer(bob, transferId);
        assertThat(bobs).hasSize(1);
        JsonNode notification = bobs.getFirst();
        assertThat(notification.get("kind").asString()).isEqualTo("transfer_received");
        assertThat(notification.get("transfer_id").asString()).isEqualTo(transferId);
        assertThat(notification.get("from_user_id").asString())
                .isEqualTo(alice.id().toString());
        assertThat(notification.get("from_handle").asString()).isEqualTo(alice.handle());
        assertThat(notification.get("amount").asString()).isEqualTo("12.50");
        assertThat(notification.get("currency").asString()).isEqualTo("USD");
        assertThat(notification.get("text").asString()).isEqualTo("@" + alice.handle() + " paid you 12.50 USD");
        assertThat(notification.get("read").asBoolean()).isFalse();
        assertThat(UUID.fromString(notification.get("id").asString()).version()).isEqualTo(7);
        assertThat(notification.get("created_at").asString()).isNotBlank();
        // The same transaction would have written a notification for the sender, had there been one.
        assertThat(inbox.all(alice)).isEmpty();
    }

    @Test
    void manyPaymentsAmongFiveUsers_giveEachReceiverExactlyOneNotificationPerTransfer() throws Exception {
        List<Api.User> users = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            users.add(fundedUser(100_000));
        }
        Random random = new Random(42);
        record Payment(Api.User from, Api.User to, String amount) {}
        List<Payment> payments = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            int from = random.nextInt(users.size());
            int to = (from + 1 + random.nextInt(users.size() - 1)) % users.size();
            payments.add(new Payment(
                    users.get(from),
                    users.get(to),
                    (1 + random.nextInt(9)) + "." + String.format("%02d", random.nextInt(100))));
        }
        Map<String, Payment> byTransfer = new LinkedHashMap<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<Future<String>> sent = new ArrayList<>();
            for (Payment payment : payments) {
                sent.add(pool.submit(() -> pay(payment.from(), payment.to(), payment.amount())));
            }
            for (int i = 0; i < payments.size(); i++) {
                byTransfer.put(sent.get(i).get(), payments.get(i));
            }
        }

        Map<Api.User, List<JsonNode>> received = new HashMap<>();
        for (Api.User user : users) {
            long expected =
                    payments.stream().filter(payment -> payment.to() == user).count();
            inbox.await(user, items -> items.size() >= expected, expected + " notifications");
            // Read again in pages of 7, so that most receivers' lists span pages.
            received.put(user, inbox.all(user, 7));
        }
        for (Map.Entry<String, Payment> entry : byTransfer.entrySet()) {
            Payment payment = entry.getValue();
            List<JsonNode> forTransfer = Inbox.forTransfer(received.get(payment.to()), entry.getKey());
            assertThat(forTransfer)
                    .as("notifications of transfer " + entry.getKey())
                    .hasSize(1);
            assertThat(forTransfer.getFirst().get("from_user_id").asString())
                    .isEqualTo(payment.from().id().toString());
            assertThat(forTransfer.getFirst().get("amount").asString()).isEqualTo(payment.amount());
        }
        for (Api.User user : users) {
            assertThat(received.get(user))
                    .as("@" + user.handle() + "'s notifications")
                    .hasSize((int) payments.stream()
                            .filter(payment -> payment.to() == user)
                            .count());
        }
    }
}
