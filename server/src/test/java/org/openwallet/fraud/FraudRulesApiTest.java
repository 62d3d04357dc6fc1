package org.openwallet.fraud;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.openwallet.Api;
import org.openwallet.LedgerTestSupport;
import org.openwallet.WalletIntegrationTest;
import org.openwallet.identity.Role;
import org.openwallet.identity.Roles;
import org.openwallet.ledger.Ledger;
import org.openwallet.platform.database.Transactions;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The fraud rules at their production defaults, through the API: velocity (more than 20 payments
 * or 2,000.00 per sender in 10 minutes), the weekly sending limit by tier (299.99 unverified,
 * 4,999.99 verified, not raceable by parallel requests), a large amount to a new recipient
 * (500.00) or from a new IP (200.00), blocked recipients; declines are 403
 * {@code transfer_declined} with a reason, move no money, replay as declined, and every decision
 * is in an append-only log that only admins can read.
 *
 * <p>Why these tests do not extend {@code WalletIntegrationTest}: that base raises every fraud limit
 * with {@code @DynamicPropertySource}, and Spring calls a subclass's such methods before its
 * superclass's, so the base's values would win. These contexts leave the fraud rules exactly as
 * shipped ({@code FraudProperties} defaults; none is set here).
 */
class FraudRulesApiTest {

    /**
     * The whole wallet on a random port with its own PostgreSQL and Redis and the shipped fraud
     * rules. Shared (one Spring context) by the tests here and
     * {@code FraudBlocklistAndTimeoutApiTest.StalledEvaluations}.
     */
    @SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
    public abstract static class ProductionRules {
        private static final JsonMapper JSON = JsonMapper.builder().build();
        private static final HttpClient HTTP =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

        @LocalServerPort
        protected int port;

        @Autowired
        protected JdbcClient jdbc;

        @Autowired
        protected Transactions transactions;

        @Autowired
        protected Ledger ledger;

        @Autowired
        protected Roles roles;

        protected Api api;

        @DynamicPropertySource
        static void productionRules(DynamicPropertyRegistry registry) {
            WalletIntegrationTest.ownWallet(registry, WalletIntegrationTest.newDataDir());
            // The rate limits are not under test here, and these tests sign up, log in and pay
            // far more from one IP than one person would. (Failed logins per handle and IP stay at 10.)
            for (String limit : new String[] {"transfer-per-user", "transfer-per-ip", "login-per-ip"}) {
                registry.add("wallet.rate-limits.limits." + limit + ".capacity", () -> "1000000");
            }
            // The rules are under test, not the budget (20 ms as shipped): a slow moment on a busy
            // test machine must not turn a rule's decision into the on-timeout default. The budget
            // itself is tested in FraudBlocklistAndTimeoutApiTest.
            registry.add("wallet.fraud.budget", () -> "1s");
            // In the full suite one JVM holds many contexts on two cores, and a Redis call now and
            // then takes longer than the shipped 50 ms: login then fails closed (503) and the
            // velocity rule goes unchecked, as designed, and a test fails by accident. Slow Redis is
            // tested in idempotency.RedisFailureTest. (Below the budget, so a slow call still
            // leaves the rules time to decide.)
            registry.add("wallet.redis.timeout", () -> "500ms");
        }

        @BeforeEach
        void connectApi() {
            api = new Api("http://127.0.0.1:" + port);
        }

        /**
         * A new user with {@code minor} in the wallet, whose IP (the tests') is known, as it is after a
         * first payment from it passed the rules: the tests of other rules are not about the new-IP one.
         */
        protected Api.User fundedUser(long minor) {
            Api.User user = LedgerTestSupport.fundedUser(api, transactions, ledger, minor);
            jdbc.sql("INSERT INTO fraud_known_ips (user_id, ip) VALUES (?, '127.0.0.1') ON CONFLICT DO NOTHING")
                    .param(user.id())
                    .update();
            return user;
        }

        /** A fresh admin's token (the role granted as an operator would). */
        protected String adminToken() {
            return api.newUserWithRole(roles, Role.ADMIN).token();
        }

        protected Api.Response send(String method, String path, String token, Object body) {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(30))
                    .method(
                            method,
                            body == null
                                    ? HttpRequest.BodyPublishers.noBody()
                                    : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
            if (body != null) {
                request.header("Content-Type", "application/json");
            }
            if (token != null) {
                request.header("Authorization", "Bearer " + token);
            }
            try {
                HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
                return new Api.Response(response.statusCode(), response);
            } catch (IOException exception) {
                throw new IllegalStateException(exception);
            } catch (InterruptedException exception) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(exception);
            }
        }

        protected void verify(Api.User user) {
            Api.Response verified = send(
                    "PUT", "/v1/admin/users/" + user.id() + "/verification", adminToken(), Map.of("verified", true));
            assertThat(verified.status()).as(verified.body()).isEqualTo(200);
            assertThat(verified.json().get("tier").asString()).isEqualTo("verified");
        }

        protected void block(UUID recipientId) {
            Api.Response blocked = send(
                    "PUT", "/v1/admin/fraud/blocked-recipients/" + recipientId, adminToken(), Map.of("reason", "test"));
            assertThat(blocked.status()).as(blocked.body()).isEqualTo(204);
        }

        protected void unblock(UUID recipientId) {
            Api.Response unblocked =
                    send("DELETE", "/v1/admin/fraud/blocked-recipients/" + recipientId, adminToken(), null);
            assertThat(unblocked.status()).as(unblocked.body()).isEqualTo(204);
        }

        protected static void assertPosted(Api.Response response) {
            assertThat(response.status()).as(response.body()).isEqualTo(201);
        }

        protected static void assertDeclined(Api.Response response, String reason) {
            assertThat(response.status()).as(response.body()).isEqualTo(403);
            assertThat(response.code()).isEqualTo("transfer_declined");
            assertThat(response.json().get("reason").asString()).isEqualTo(reason);
            assertThat(response.header("Content-Type")).startsWith("application/problem+json");
        }

        /** The sender's decisions, oldest first, straight from the table. */
        protected List<Decision> decisions(UUID senderId) {
            return jdbc.sql("""
                    SELECT id, recipient_id, amount_minor, ip, decision, reasons::text, notes::text, timed_out, latency_micros, weekly_limit_minor
                      FROM fraud_decisions WHERE sender_id = ? ORDER BY id
                    """)
                    .param(senderId)
                    .query((rs, n) -> new Decision(
                            (UUID) rs.getObject(1),
                            (UUID) rs.getObject(2),
                            rs.getLong(3),
                            rs.getString(4),
                            rs.getString(5),
                            JSON.readTree(rs.getString(6)),
                            JSON.readTree(rs.getString(7)),
                            rs.getBoolean(8),
                            rs.getLong(9),
                            rs.getLong(10)))
                    .list();
        }

        protected record Decision(
                UUID id,
                UUID recipientId,
                long amountMinor,
                String ip,
                String decision,
                JsonNode reasons,
                JsonNode notes,
                boolean timedOut,
                long latencyMicros,
                long weeklyLimitMinor) {
            public List<String> reasonList() {
                List<String> list = new ArrayList<>();
                reasons.forEach(reason -> list.add(reason.asString()));
                return list;
            }

            public List<String> noteList() {
                List<String> list = new ArrayList<>();
                notes.forEach(note -> list.add(note.asString()));
                return list;
            }
        }

        protected long p2pTransfersFrom(UUID userId) {
            return jdbc.sql("""
                    SELECT count(*) FROM ledger_transfers t JOIN ledger_accounts a ON a.id = t.from_account_id
                     WHERE a.owner_user_id = ? AND t.kind = 'p2p'
                    """).param(userId).query(Long.class).single();
        }

        protected static String decimal(long minor) {
            return BigDecimal.valueOf(minor, 2).toPlainString();
        }
    }

    @Nested
    class Velocity extends ProductionRules {

        @Test
        void twentyPaymentsInTenMinutesPass_theTwentyFirstIsDeclined_andMovesNoMoney() {
            Api.User sender = fundedUser(50_00);
            Api.User recipient = api.newUser();
            for (int i = 1; i <= 20; i++) {
                Api.Response paid = api.pay(sender, recipient, "1.00");
                assertThat(paid.status()).as("payment %d: %s", i, paid.body()).isEqualTo(201);
            }
            Api.Response declined = api.pay(sender, recipient, "1.00");
            assertDeclined(declined, "velocity_exceeded");
            assertThat(declined.json().get("detail").asString()).contains("velocity_exceeded");

            assertThat(api.available(sender)).isEqualTo("30.00");
            assertThat(api.available(recipient)).isEqualTo("20.00");
            assertThat(p2pTransfersFrom(sender.id())).isEqualTo(20);
            List<Decision> decisions = decisions(sender.id());
            assertThat(decisions).hasSize(21);
            assertThat(decisions.subList(0, 20)).allSatisfy(d -> {
                assertThat(d.decision()).isEqualTo("allow");
                assertThat(d.reasonList()).isEmpty();
            });
            assertThat(decisions.get(20).decision()).isEqualTo("decline");
            assertThat(decisions.get(20).reasonList()).containsExactly("velocity_exceeded");

            // The window is per sender: the recipient's other payers are not affected.
            Api.User another = fundedUser(5_00);
            assertPosted(api.pay(another, recipient, "1.00"));
        }

        @Test
        void paymentsThatFail_giveTheirPlaceInTheWindowBack() {
            Api.User sender = api.newUser();
            Api.User recipient = api.newUser();
            for (int i = 0; i < 5; i++) {
                Api.Response broke = api.pay(sender, recipient, "1.00");
                assertThat(broke.status()).as(broke.body()).isEqualTo(422);
                assertThat(broke.code()).isEqualTo("insufficient_funds");
            }
            LedgerTestSupport.fund(transactions, ledger, sender.id(), 50_00);
            for (int i = 1; i <= 20; i++) {
                Api.Response paid = api.pay(sender, recipient, "1.00");
                assertThat(paid.status())
                        .as("payment %d after 5 failed ones: %s", i, paid.body())
                        .isEqualTo(201);
            }
            assertDeclined(api.pay(sender, recipient, "1.00"), "velocity_exceeded");
        }

        @Test
        void moreThanTwoThousandInTenMinutes_isDeclined() {
            // Verified, so the weekly limit (4,999.99) stays out of the way; every large payment goes
            // to a recipient paid before, and from the IP the sender logged in from.
            Api.User sender = fundedUser(3_000_00);
            verify(sender);
            Api.User recipient = api.newUser();
            assertPosted(api.pay(sender, recipient, "1.00"));
            for (int i = 0; i < 3; i++) {
                assertPosted(api.pay(sender, recipient, "600.00"));
            }
            // 2,000.00 exactly is not more than 2,000.00.
            assertPosted(api.pay(sender, recipient, "199.00"));
            Api.Response declined = api.pay(sender, recipient, "0.01");
            assertDeclined(declined, "velocity_exceeded");

            assertThat(api.available(sender)).isEqualTo("1000.00");
            assertThat(api.available(recipient)).isEqualTo("2000.00");
            assertThat(decisions(sender.id()).getLast().reasonList()).containsExactly("velocity_exceeded");
        }
    }

    @Nested
    class WeeklyLimit extends ProductionRules {

        @Test
        void unverifiedSenders_maySend299_99PerWeek_verificationRaisesTheLimit() {
            Api.User sender = fundedUser(500_00);
            Api.User recipient = api.newUser();
            assertPosted(api.pay(sender, recipient, "200.00"));

            Map<String, String> hundred =
                    Map.of("to_handle", recipient.handle(), "amount", "100.00", "currency", "USD");
            String declinedKey = UUID.randomUUID().toString();
            Api.Response declined = api.post("/v1/transfers", sender.token(), declinedKey, hundred);
            assertDeclined(declined, "weekly_limit_exceeded");
            assertThat(api.available(sender)).isEqualTo("300.00");
            assertThat(api.available(recipient)).isEqualTo("200.00");
            Decision decision = decisions(sender.id()).getLast();
            assertThat(decision.decision()).isEqualTo("decline");
            assertThat(decision.reasonList()).containsExactly("weekly_limit_exceeded");
            assertThat(decision.weeklyLimitMinor()).isEqualTo(299_99);
            assertThat(decision.amountMinor()).isEqualTo(100_00);

            // Up to the limit exactly is allowed; a cent more is not.
            assertPosted(api.pay(sender, recipient, "99.99"));
            assertDeclined(api.pay(sender, recipient, "0.01"), "weekly_limit_exceeded");
            assertThat(api.available(sender)).isEqualTo("200.01");

            verify(sender);
            Api.Response afterVerification =
                    api.post("/v1/transfers", sender.token(), UUID.randomUUID().toString(), hundred);
            assertPosted(afterVerification);
            assertThat(api.available(sender)).isEqualTo("100.01");
            assertThat(decisions(sender.id()).getLast().weeklyLimitMinor()).isEqualTo(4_999_99);

            // The declined request stays declined for its key, verified or not.
            Api.Response replay = api.post("/v1/transfers", sender.token(), declinedKey, hundred);
            assertThat(replay.status()).isEqualTo(403);
            assertThat(replay.body()).isEqualTo(declined.body());
            assertThat(replay.header("Idempotent-Replayed")).isEqualTo("true");
            assertThat(api.available(sender)).isEqualTo("100.01");
        }

        @Test
        void parallelPaymentsCannotRacePastTheWeeklyLimit() throws Exception {
            // 19 parallel payments of 20.00 (under the velocity rule's 20 per 10 minutes and the
            // new-recipient threshold): 14 fit under 299.99 (280.00), the 15th would make 300.00.
            Api.User sender = fundedUser(1_000_00);
            List<Api.User> recipients = List.of(api.newUser(), api.newUser(), api.newUser(), api.newUser());
            int payments = 19;
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Api.Response>> futures = new ArrayList<>();
            try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < payments; i++) {
                    Api.User recipient = recipients.get(i % recipients.size());
                    futures.add(clients.submit(() -> {
                        start.await();
                        return api.pay(sender, recipient, "20.00");
                    }));
                }
                start.countDown();
                int posted = 0;
                int declined = 0;
                for (Future<Api.Response> future : futures) {
                    Api.Response response = future.get(60, TimeUnit.SECONDS);
                    if (response.status() == 201) {
                        posted++;
                    } else {
                        assertDeclined(response, "weekly_limit_exceeded");
                        declined++;
                    }
                }
                assertThat(posted).isEqualTo(14);
                assertThat(declined).isEqualTo(5);
            }
            long sentMinor = jdbc.sql("""
                    SELECT coalesce(sum(t.amount_minor), 0) FROM ledger_transfers t JOIN ledger_accounts a ON a.id = t.from_account_id
                     WHERE a.owner_user_id = ? AND t.kind = 'p2p'
                    """).param(sender.id()).query(Long.class).single();
            assertThat(sentMinor).isEqualTo(280_00).isLessThanOrEqualTo(299_99);
            assertThat(api.available(sender)).isEqualTo("720.00");
            long received = recipients.stream()
                    .mapToLong(r ->
                            new BigDecimal(api.available(r)).movePointRight(2).longValueExact())
                    .sum();
            assertThat(received).isEqualTo(280_00);
            List<Decision> decisions = decisions(sender.id());
            assertThat(decisions).hasSize(payments);
            assertThat(decisions.stream()
                            .filter(d -> d.decision().equals("allow"))
                            .count())
                    .isEqualTo(14);
            assertThat(decisions.stream()
                            .filter(d -> d.reasonList().equals(List.of("weekly_limit_exceeded")))
                            .count())
                    .isEqualTo(5);
        }
    }

    @Nested
    class NewRecipientAndNewIp extends ProductionRules {

        @Test
        void fiveHundredOrMoreToSomeoneNeverPaid_isDeclined_untilTheyHaveBeenPaidOnce() {
            Api.User sender = fundedUser(2_000_00);
            verify(sender);
            Api.User stranger = api.newUser();
            Api.User otherStranger = api.newUser();

            assertDeclined(api.pay(sender, stranger, "500.00"), "new_recipient_large_amount");
            assertThat(api.available(stranger)).isEqualTo("0.00");
            // Just under the threshold is fine, even to someone new.
            assertPosted(api.pay(sender, otherStranger, "499.99"));

            // A declined payment does not count as having paid them.
            assertDeclined(api.pay(sender, stranger, "500.00"), "new_recipient_large_amount");
            assertPosted(api.pay(sender, stranger, "1.00"));
            assertPosted(api.pay(sender, stranger, "500.00"));
            assertThat(api.available(stranger)).isEqualTo("501.00");
            assertThat(api.available(sender)).isEqualTo("999.01");
        }

        @Test
        void twoHundredOrMoreFromAnIpNeverSeenForTheSender_isDeclined_untilAPaymentFromItPassedTheRules() {
            Api.User sender = fundedUser(1_000_00);
            verify(sender);
            Api.User recipient = api.newUser();
            forgetIps(sender);

            assertDeclined(api.pay(sender, recipient, "200.00"), "new_ip_large_amount");
            Decision declined = decisions(sender.id()).getLast();
            assertThat(declined.ip()).isEqualTo("127.0.0.1");
            assertThat(declined.reasonList()).containsExactly("new_ip_large_amount");
            assertThat(knownIps(sender))
                    .as("a declined payment does not make its IP known")
                    .isEmpty();
            assertPosted(api.pay(sender, recipient, "199.99"));
            // A payment that went through makes its IP known, as the README says.
            assertThat(knownIps(sender)).containsExactly("127.0.0.1");
            assertPosted(api.pay(sender, recipient, "200.00"));
            assertThat(api.available(sender)).isEqualTo("600.01");
            assertThat(api.available(recipient)).isEqualTo("399.99");
        }

        @Test
        void aLoginFromANewIp_doesNotMakeItTrustedForLargePayments() {
            Api.User sender = fundedUser(1_000_00);
            verify(sender);
            Api.User recipient = api.newUser();
            forgetIps(sender);

            // A stolen password logs in from anywhere: the login alone must not unlock large payments from there.
            assertThat(api.login(sender.handle(), Api.PASSWORD)).isNotEmpty();
            assertThat(api.login(sender.handle(), Api.PASSWORD)).isNotEmpty();

            assertThat(knownIps(sender)).isEmpty();
            assertDeclined(api.pay(sender, recipient, "200.00"), "new_ip_large_amount");
            assertThat(api.available(sender)).isEqualTo("1000.00");
        }

        private void forgetIps(Api.User user) {
            jdbc.sql("DELETE FROM fraud_known_ips WHERE user_id = ?")
                    .param(user.id())
                    .update();
        }

        private List<String> knownIps(Api.User user) {
            return jdbc.sql("SELECT ip FROM fraud_known_ips WHERE user_id = ?")
                    .param(user.id())
                    .query(String.class)
                    .list();
        }
    }

    @Nested
    class BlockedRecipients extends ProductionRules {

        @Test
        void anAdminBlocksARecipient_everyPaymentToThemIsDeclined_untilUnblocked() {
            Api.User sender = fundedUser(10_00);
            Api.User otherSender = fundedUser(10_00);
            Api.User recipient = api.newUser();
            assertPosted(api.pay(sender, recipient, "1.00"));

            block(recipient.id());
            assertDeclined(api.pay(sender, recipient, "1.00"), "recipient_blocked");
            assertDeclined(api.pay(otherSender, recipient, "0.01"), "recipient_blocked");
            assertThat(api.available(recipient)).isEqualTo("1.00");
            // Blocking is about receiving: the blocked user can still pay others.
            LedgerTestSupport.fund(transactions, ledger, recipient.id(), 5_00);
            assertPosted(api.pay(recipient, sender, "1.00"));

            // Only an admin may lift the block.
            Api.Response notAdmin =
                    send("DELETE", "/v1/admin/fraud/blocked-recipients/" + recipient.id(), sender.token(), null);
            assertThat(notAdmin.status()).isEqualTo(403);
            assertThat(notAdmin.code()).isEqualTo("forbidden");
            assertDeclined(api.pay(sender, recipient, "1.00"), "recipient_blocked");

            unblock(recipient.id());
            assertPosted(api.pay(sender, recipient, "1.00"));
            assertPosted(api.pay(otherSender, recipient, "0.01"));
            // 1.00 before the block, 5.00 funded, 1.00 paid out, then 1.01 after it.
            assertThat(api.available(recipient)).isEqualTo("6.01");
        }

        @Test
        void aDeclinedPaymentIsReplayedAsDeclined_forItsKey_evenAfterTheCauseIsGone() {
            Api.User sender = fundedUser(10_00);
            Api.User recipient = api.newUser();
            block(recipient.id());
            Map<String, String> body = Map.of("to_handle", recipient.handle(), "amount", "2.00", "currency", "USD");
            String key = UUID.randomUUID().toString();
            Api.Response first = api.post("/v1/transfers", sender.token(), key, body);
            assertDeclined(first, "recipient_blocked");
            assertThat(first.header("Idempotent-Replayed")).isNull();
            int decisionsAfterFirst = decisions(sender.id()).size();

            Api.Response again = api.post("/v1/transfers", sender.token(), key, body);
            assertThat(again.status()).isEqualTo(403);
            assertThat(again.body()).isEqualTo(first.body());
            assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");

            unblock(recipient.id());
            Api.Response afterUnblock = api.post("/v1/transfers", sender.token(), key, body);
            assertThat(afterUnblock.status()).isEqualTo(403);
            assertThat(afterUnblock.body()).isEqualTo(first.body());
            assertThat(afterUnblock.header("Idempotent-Replayed")).isEqualTo("true");
            // Replays are not new decisions, and moved nothing.
            assertThat(decisions(sender.id())).hasSize(decisionsAfterFirst);
            assertThat(api.available(sender)).isEqualTo("10.00");
            assertThat(p2pTransfersFrom(sender.id())).isZero();

            // A new key is a new payment.
            assertPosted(
                    api.post("/v1/transfers", sender.token(), UUID.randomUUID().toString(), body));
            assertThat(api.available(sender)).isEqualTo("8.00");
        }
    }

    @Nested
    class DecisionLog extends ProductionRules {

        @Test
        void adminsReadEveryDecisionWithItsReasonsLatencyAndIp_newestFirst() {
            Api.User sender = fundedUser(10_00);
            Api.User recipient = api.newUser();
            Api.User blocked = api.newUser();
            block(blocked.id());
            assertPosted(api.pay(sender, recipient, "1.50"));
            assertDeclined(api.pay(sender, blocked, "2.50"), "recipient_blocked");

            Api.Response page =
                    api.get("/v1/admin/fraud/decisions?sender_id=" + sender.id() + "&limit=10", adminToken());
            assertThat(page.status()).as(page.body()).isEqualTo(200);
            JsonNode items = page.json().get("items");
            assertThat(items.size()).isEqualTo(2);

            JsonNode decline = items.get(0);
            assertThat(decline.get("decision").asString()).isEqualTo("decline");
            assertThat(decline.get("reasons").get(0).asString()).isEqualTo("recipient_blocked");
            assertThat(decline.get("sender_id").asString())
                    .isEqualTo(sender.id().toString());
            assertThat(decline.get("recipient_id").asString())
                    .isEqualTo(blocked.id().toString());
            assertThat(decline.get("amount_minor").asLong()).isEqualTo(2_50);

            JsonNode allow = items.get(1);
            assertThat(allow.get("decision").asString()).isEqualTo("allow");
            assertThat(allow.get("reasons").size()).isZero();
            assertThat(allow.get("recipient_id").asString())
                    .isEqualTo(recipient.id().toString());
            assertThat(allow.get("amount_minor").asLong()).isEqualTo(1_50);

            for (JsonNode item : items) {
                assertThat(item.get("ip").asString()).isEqualTo("127.0.0.1");
                assertThat(item.get("currency").asString()).isEqualTo("USD");
                assertThat(item.get("timed_out").asBoolean()).isFalse();
                assertThat(item.get("latency_micros").asLong()).isPositive();
                assertThat(item.get("weekly_limit_minor").asLong()).isEqualTo(299_99);
                assertThat(item.get("created_at").asString()).isNotEmpty();
                assertThat(item.get("id").asString()).isNotEmpty();
            }

            Api.Response one = api.get("/v1/admin/fraud/decisions?sender_id=" + sender.id() + "&limit=1", adminToken());
            assertThat(one.json().get("items").size()).isEqualTo(1);
            assertThat(one.json().get("items").get(0).get("decision").asString())
                    .isEqualTo("decline");
            Api.Response badLimit =
                    api.get("/v1/admin/fraud/decisions?sender_id=" + sender.id() + "&limit=0", adminToken());
            assertThat(badLimit.status()).isEqualTo(400);
            assertThat(badLimit.code()).isEqualTo("validation_failed");
        }

        @Test
        void onlyAdminsMayUseTheAdminEndpoints() {
            Api.User user = fundedUser(1_00);
            Api.Response decisions = api.get("/v1/admin/fraud/decisions?sender_id=" + user.id(), user.token());
            assertThat(decisions.status()).isEqualTo(403);
            assertThat(decisions.code()).isEqualTo("forbidden");

            Api.Response verification = send(
                    "PUT", "/v1/admin/users/" + user.id() + "/verification", user.token(), Map.of("verified", true));
            assertThat(verification.status()).isEqualTo(403);
            assertThat(verification.code()).isEqualTo("forbidden");
            assertThat(jdbc.sql("SELECT count(*) FROM fraud_profiles WHERE user_id = ?")
                            .param(user.id())
                            .query(Long.class)
                            .single())
                    .isZero();

            Api.Response block = send(
                    "PUT", "/v1/admin/fraud/blocked-recipients/" + user.id(), user.token(), Map.of("reason", "mine"));
            assertThat(block.status()).isEqualTo(403);
            assertThat(block.code()).isEqualTo("forbidden");
            assertThat(jdbc.sql("SELECT count(*) FROM fraud_blocked_recipients WHERE user_id = ?")
                            .param(user.id())
                            .query(Long.class)
                            .single())
                    .isZero();

            Api.Response anonymous = api.get("/v1/admin/fraud/decisions?sender_id=" + user.id(), null);
            assertThat(anonymous.status()).isEqualTo(401);
        }

        @Test
        void theDecisionLogIsAppendOnly() {
            Api.User sender = fundedUser(5_00);
            Api.User recipient = api.newUser();
            assertPosted(api.pay(sender, recipient, "1.00"));
            List<Decision> before = decisions(sender.id());
            assertThat(before).hasSize(1);

            for (String sql : new String[] {
                "UPDATE fraud_decisions SET decision = 'decline' WHERE sender_id = ?",
                "UPDATE fraud_decisions SET amount_minor = 0 WHERE sender_id = ?",
                "DELETE FROM fraud_decisions WHERE sender_id = ?"
            }) {
                Throwable failure =
                        catchThrowable(() -> jdbc.sql(sql).param(sender.id()).update());
                assertThat(failure).as(sql).isNotNull();
                assertThat(Transactions.sqlState(failure))
                        .as(String.valueOf(failure))
                        .isEqualTo("23001");
            }
            Throwable truncate =
                    catchThrowable(() -> jdbc.sql("TRUNCATE fraud_decisions").update());
            assertThat(Transactions.sqlState(truncate))
                    .as(String.valueOf(truncate))
                    .isEqualTo("23001");
            assertThat(decisions(sender.id())).isEqualTo(before);
        }
    }
}
