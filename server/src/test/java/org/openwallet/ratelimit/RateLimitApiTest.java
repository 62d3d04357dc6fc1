package org.openwallet.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestClassOrder;
import org.junit.jupiter.api.TestMethodOrder;
import org.openwallet.Api;
import org.openwallet.LedgerTestSupport;
import org.openwallet.RawHttp;
import org.openwallet.WalletIntegrationTest;
import org.openwallet.ledger.Ledger;
import org.openwallet.platform.EmbeddedRedis;
import org.openwallet.platform.config.WalletProperties;
import org.openwallet.platform.database.Transactions;
import org.openwallet.platform.redis.Redis;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The rate limits at their production defaults, through the API: 30 payments per user per minute,
 * 60 login attempts per IP per minute, 10 failed logins per handle and IP per 15 minutes; 429
 * {@code rate_limited} with Retry-After past a limit, RateLimit-* headers on every limited
 * endpoint; and with Redis down, every limit still holds in each node's memory.
 *
 * <p>Why these tests do not extend {@code WalletIntegrationTest}: that base registers huge limits
 * with {@code @DynamicPropertySource}, and Spring calls a subclass's {@code @DynamicPropertySource}
 * methods before its superclass's, so the base's values would win over any a subclass sets. These
 * contexts therefore run with {@code application.properties} exactly as shipped (the limits are not
 * set here at all), which also checks that the shipped defaults are the documented ones.
 */
@TestClassOrder(ClassOrderer.OrderAnnotation.class)
class RateLimitApiTest {

    /**
     * The whole wallet on a random port, with its own embedded PostgreSQL and Redis in a fresh data
     * directory and the shipped rate limits. Shared by the tests here and {@link RateLimiterTest}
     * (one Spring context).
     */
    @SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
    public abstract static class ProductionLimits {
        @LocalServerPort
        protected int port;

        @Autowired
        protected JdbcClient jdbc;

        @Autowired
        protected Transactions transactions;

        @Autowired
        protected Ledger ledger;

        @Autowired
        protected MeterRegistry meters;

        @Autowired
        protected Redis redis;

        protected Api api;

        @DynamicPropertySource
        static void productionLimits(DynamicPropertyRegistry registry) {
            WalletIntegrationTest.ownWallet(registry, WalletIntegrationTest.newDataDir());
            // The fraud rules are not under test here, and their velocity rule (20 payments per 10
            // minutes) would decline payments 21-30 before the per-user rate limit (30 per minute)
            // is reached. Everything else, and every rate limit, stays as shipped.
            registry.add("wallet.fraud.velocity-max-count", () -> "1000");
            // In the full suite one JVM holds many contexts on two cores, and a Redis call now and
            // then takes longer than the shipped 50 ms: login then fails closed (503), exactly as
            // designed, and a test that merely signs a user up fails by accident. Slow Redis is
            // tested elsewhere (idempotency.RedisFailureTest); a dead one is tested below.
            registry.add("wallet.redis.timeout", () -> "1s");
        }

        @BeforeEach
        void connectApi() {
            api = new Api("http://127.0.0.1:" + port);
        }

        protected Api.User fundedUser(long minor) {
            return LedgerTestSupport.fundedUser(api, transactions, ledger, minor);
        }

        protected Api.Response login(String handle, String password) {
            return api.post("/v1/auth/login", null, null, Map.of("handle", handle, "password", password));
        }

        protected static String loginBody(String handle, String password) {
            return "{\"handle\":\"" + handle + "\",\"password\":\"" + password + "\"}";
        }

        protected double counter(String name, String tag, String value) {
            Counter counter = meters.find(name).tag(tag, value).counter();
            return counter == null ? 0 : counter.count();
        }

        protected long p2pTransfersFrom(UUID userId) {
            return jdbc.sql("""
                    SELECT count(*) FROM ledger_transfers t JOIN ledger_accounts a ON a.id = t.from_account_id
                     WHERE a.owner_user_id = ? AND t.kind = 'p2p'
                    """).param(userId).query(Long.class).single();
        }

        static String decimal(long minor) {
            return java.math.BigDecimal.valueOf(minor, 2).toPlainString();
        }

        static void assertRateLimitHeaders(Api.Response response, int limit) {
            assertThat(response.header("RateLimit-Limit")).as(response.body()).isEqualTo(Integer.toString(limit));
            assertThat(response.header("RateLimit-Remaining"))
                    .as(response.body())
                    .isNotNull();
            assertThat(Long.parseLong(response.header("RateLimit-Remaining"))).isBetween(0L, (long) limit);
            assertThat(response.header("RateLimit-Reset")).as(response.body()).isNotNull();
            assertThat(Long.parseLong(response.header("RateLimit-Reset"))).isGreaterThanOrEqualTo(0);
        }

        static void assertRateLimited(Api.Response response) {
            assertThat(response.status()).as(response.body()).isEqualTo(429);
            assertThat(response.code()).isEqualTo("rate_limited");
            assertThat(response.header("Content-Type")).startsWith("application/problem+json");
            assertThat(response.header("Retry-After")).as("Retry-After").isNotNull();
            assertThat(Long.parseLong(response.header("Retry-After"))).isGreaterThanOrEqualTo(1);
        }
    }

    @Nested
    @Order(1)
    class Transfers extends ProductionLimits {

        @Test
        void thirtyPaymentsPerMinutePass_theNextIs429_andMovesNoMoney() {
            Api.User sender = fundedUser(100_00);
            Api.User recipient = api.newUser();
            double rejectionsBefore = counter("wallet.ratelimit.rejections", "limit", "transfer-per-user");

            // The bucket refills continuously (30 per minute: one token every 2 s), so a slow run
            // may earn a token or two back while it sends; the bound allows exactly those.
            List<Long> remaining = new ArrayList<>();
            List<Long> sentAt = new ArrayList<>();
            List<Long> answeredAt = new ArrayList<>();
            long started = System.nanoTime();
            Api.Response refused = null;
            int posted = 0;
            for (int attempt = 0; attempt < 40 && refused == null; attempt++) {
                long sent = System.nanoTime();
                Api.Response response = api.pay(sender, recipient, "0.01");
                if (response.status() == 429) {
                    refused = response;
                } else {
                    assertThat(response.status()).as(response.body()).isEqualTo(201);
                    assertRateLimitHeaders(response, 30);
                    remaining.add(Long.parseLong(response.header("RateLimit-Remaining")));
                    sentAt.add(sent);
                    answeredAt.add(System.nanoTime());
                    posted++;
                }
            }
            double elapsedSeconds = (System.nanoTime() - started) / 1e9;

            assertThat(refused).as("no 429 within 40 payments").isNotNull();
            assertRateLimited(refused);
            assertRateLimitHeaders(refused, 30);
            assertThat(refused.header("RateLimit-Remaining")).isEqualTo("0");
            assertThat(Long.parseLong(refused.header("Retry-After"))).isLessThanOrEqualTo(2);
            assertThat(posted).isGreaterThanOrEqualTo(30).isLessThanOrEqualTo(30 + (int) (elapsedSeconds / 2));
            assertThat(remaining.get(0)).isEqualTo(29);
            // Each payment takes a token: Remaining goes down by one, except for what refilled
            // (one token per 2 s) between one request being sent and the next being answered.
            for (int k = 1; k < remaining.size(); k++) {
                long refillable = (long) Math.ceil((answeredAt.get(k) - sentAt.get(k - 1)) / 2e9);
                assertThat(remaining.get(k))
                        .as("Remaining after payment %d", k + 1)
                        .isLessThanOrEqualTo(Math.max(0, remaining.get(k - 1) - 1 + refillable));
            }
            assertThat(remaining.get(remaining.size() - 1)).isZero();

            // Only the payments that got through moved money; the refused one moved nothing.
            assertThat(p2pTransfersFrom(sender.id())).isEqualTo(posted);
            assertThat(api.available(sender)).isEqualTo(decimal(100_00 - posted));
            assertThat(api.available(recipient)).isEqualTo(decimal(posted));
            assertThat(counter("wallet.ratelimit.rejections", "limit", "transfer-per-user"))
                    .isEqualTo(rejectionsBefore + 1);

            // Another user's bucket is their own.
            Api.User other = fundedUser(10_00);
            Api.Response otherPays = api.pay(other, recipient, "0.01");
            assertThat(otherPays.status()).as(otherPays.body()).isEqualTo(201);
            assertThat(otherPays.header("RateLimit-Remaining")).isEqualTo("29");
        }

        @Test
        void aRefusedPaymentIsNotRemembered_itsKeyWorksOnceTheBucketRefills() throws InterruptedException {
            Api.User sender = fundedUser(10_00);
            Api.User recipient = api.newUser();
            Map<String, String> body = Map.of("to_handle", recipient.handle(), "amount", "1.00", "currency", "USD");
            String key = null;
            Api.Response refused = null;
            for (int round = 0; round < 5 && refused == null; round++) {
                drainTransferBucket(sender, recipient);
                key = UUID.randomUUID().toString();
                Api.Response response = api.post("/v1/transfers", sender.token(), key, body);
                if (response.status() == 429) {
                    refused = response;
                } else {
                    // A token came back between the draining and this request (a slow run): again.
                    assertThat(response.status()).as(response.body()).isEqualTo(201);
                }
            }
            assertThat(refused).isNotNull();
            assertRateLimited(refused);

            Thread.sleep(Duration.ofSeconds(Long.parseLong(refused.header("Retry-After")))
                    .plusMillis(100));
            Api.Response retried = api.post("/v1/transfers", sender.token(), key, body);
            assertThat(retried.status()).as(retried.body()).isEqualTo(201);
            assertThat(retried.header("Idempotent-Replayed")).isNull();
            assertThat(retried.json().get("amount").asString()).isEqualTo("1.00");
        }

        @Test
        void replaysAndMalformedPayments_costNoToken_andWithTheBucketEmptyAReplayIsAnsweredAndAMalformedPaymentIs400() {
            Api.User sender = fundedUser(100_00);
            Api.User recipient = api.newUser();
            Map<String, String> body = Map.of("to_handle", recipient.handle(), "amount", "1.00", "currency", "USD");
            String key = UUID.randomUUID().toString();
            Api.Response first = api.post("/v1/transfers", sender.token(), key, body);
            assertThat(first.status()).as(first.body()).isEqualTo(201);
            assertThat(first.header("RateLimit-Remaining")).isEqualTo("29");

            // Retries Redis answers, and requests that fail validation: none takes a token.
            for (int i = 0; i < 5; i++) {
                assertReplayOf(first, api.post("/v1/transfers", sender.token(), key, body));
                assertMalformed(api.post(
                        "/v1/transfers",
                        sender.token(),
                        UUID.randomUUID().toString(),
                        Map.of("to_handle", recipient.handle(), "amount", "1.00")));
                Api.Response noKey = api.post("/v1/transfers", sender.token(), null, body);
                assertThat(noKey.status()).as(noKey.body()).isEqualTo(400);
                assertThat(noKey.code()).isEqualTo("idempotency_key_missing");
            }
            Api.Response second = api.pay(sender, recipient, "0.01");
            assertThat(second.status()).as(second.body()).isEqualTo(201);
            // 28 left after two payments (more if a token refilled meanwhile); counting the 15 requests above would
            // leave 13.
            assertThat(Long.parseLong(second.header("RateLimit-Remaining"))).isGreaterThanOrEqualTo(28);

            // With the bucket empty: a malformed payment is told so, and the finished one's retry gets its answer.
            drainTransferBucket(sender, recipient);
            assertMalformed(api.post(
                    "/v1/transfers",
                    sender.token(),
                    UUID.randomUUID().toString(),
                    Map.of("to_handle", recipient.handle(), "amount", "1.00")));
            assertReplayOf(first, api.post("/v1/transfers", sender.token(), key, body));

            // Even when Redis has forgotten the key (flushed, restarted), PostgreSQL answers it before any 429.
            drainTransferBucket(sender, recipient);
            Long deleted = redis.call(commands -> commands.del("idem:{" + sender.id() + "}:transfer.create:" + key));
            assertThat(deleted).isEqualTo(1);
            assertReplayOf(first, api.post("/v1/transfers", sender.token(), key, body));
            // One payment of 1.00 (the key's), every other one of 0.01: the replays moved nothing.
            long payments = p2pTransfersFrom(sender.id());
            assertThat(api.available(sender)).isEqualTo(decimal(100_00 - 1_00 - (payments - 1)));
        }

        private void assertReplayOf(Api.Response first, Api.Response replay) {
            assertThat(replay.status()).as(replay.body()).isEqualTo(first.status());
            assertThat(replay.header("Idempotent-Replayed")).isEqualTo("true");
            assertThat(replay.body()).isEqualTo(first.body());
        }

        private void assertMalformed(Api.Response response) {
            assertThat(response.status()).as(response.body()).isEqualTo(400);
            assertThat(response.code()).isEqualTo("validation_failed");
        }

        private void drainTransferBucket(Api.User sender, Api.User recipient) {
            for (int i = 0; i < 40; i++) {
                Api.Response response = api.pay(sender, recipient, "0.01");
                if (response.status() == 429) {
                    return;
                }
                assertThat(response.status()).as(response.body()).isEqualTo(201);
            }
            throw new AssertionError("no 429 within 40 payments");
        }
    }

    @Nested
    @Order(2)
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    class Login extends ProductionLimits {

        @Test
        @Order(1)
        void loginResponsesCarryTheRateLimitHeaders() {
            Api.User user = api.newUser();
            Api.Response ok = login(user.handle(), Api.PASSWORD);
            assertThat(ok.status()).as(ok.body()).isEqualTo(200);
            assertRateLimitHeaders(ok, 10);

            Api.Response wrong = login(user.handle(), "not the password at all");
            assertThat(wrong.status()).isEqualTo(401);
            assertThat(wrong.code()).isEqualTo("invalid_credentials");
            assertRateLimitHeaders(wrong, 10);
        }

        @Test
        @Order(2)
        void tenWrongPasswordsFromOneIp_lockThatIpOutOfTheHandle_theOwnerFromAnotherIpStillLogsIn() throws Exception {
            Api.User victim = api.newUser();
            Api.User bystander = api.newUser();
            double rejectionsBefore =
                    counter("wallet.ratelimit.rejections", "limit", "login-failures-per-handle-and-ip");
            RawHttp attacker = new RawHttp(port);

            for (int attempt = 1; attempt <= 10; attempt++) {
                // A different spoofed X-Forwarded-For every time: no proxy is trusted here, so the
                // header is ignored and every attempt counts against 127.0.0.1.
                RawHttp.Response wrong = attacker.send(
                        "POST",
                        "/v1/auth/login",
                        Map.of("X-Forwarded-For", "203.0.113." + attempt),
                        loginBody(victim.handle(), "wrong password " + attempt));
                assertThat(wrong.status())
                        .as("attempt %d: %s", attempt, wrong.body())
                        .isEqualTo(401);
                assertThat(wrong.code()).isEqualTo("invalid_credentials");
                // The bucket of this handle from this IP (10 per 15 minutes) is the tightest: before this attempt it
                // had 11 - attempt.
                assertThat(wrong.header("RateLimit-Limit")).isEqualTo("10");
                assertThat(wrong.header("RateLimit-Remaining")).isEqualTo(Integer.toString(11 - attempt));
            }

            Api.Response right = login(victim.handle(), Api.PASSWORD);
            assertRateLimited(right);
            assertThat(right.json().get("access_token")).isNull();
            // One token back takes 90 s (10 per 15 minutes).
            assertThat(Long.parseLong(right.header("Retry-After"))).isBetween(60L, 90L);
            assertThat(right.header("RateLimit-Remaining")).isEqualTo("0");

            // Handles are case-insensitive: another spelling is the same locked pair.
            assertRateLimited(login(victim.handle().toUpperCase(java.util.Locale.ROOT), Api.PASSWORD));
            assertThat(counter("wallet.ratelimit.rejections", "limit", "login-failures-per-handle-and-ip"))
                    .isEqualTo(rejectionsBefore + 2);

            // The owner, from another address (127.0.0.2, another source address on the loopback
            // interface), is not refused: the handle's failures from everywhere only delay its logins,
            // by 200 ms per recent failure and at most 2 s.
            long started = System.nanoTime();
            RawHttp.Response owner = new RawHttp(port, InetAddress.getByName("127.0.0.2"))
                    .send("POST", "/v1/auth/login", Map.of(), loginBody(victim.handle(), Api.PASSWORD));
            long tookMillis = (System.nanoTime() - started) / 1_000_000;
            assertThat(owner.status()).as(owner.body()).isEqualTo(200);
            assertThat(owner.json().get("access_token").asString()).isNotEmpty();
            // 10 recent failures: 2 s; the bucket earns one back every 90 s, so a very slow run may see 1.8 s or less.
            assertThat(tookMillis).as("the handle's delay").isGreaterThanOrEqualTo(1_000);

            Api.Response other = login(bystander.handle(), Api.PASSWORD);
            assertThat(other.status()).as(other.body()).isEqualTo(200);
            assertThat(other.json().get("access_token").asString()).isNotEmpty();

            // The victim's earlier token still works: the lock is on logging in, not on the account.
            assertThat(api.get("/v1/accounts/me/balance", victim.token()).status())
                    .isEqualTo(200);
        }

        @Test
        @Order(3)
        void sixtyLoginAttemptsPerIpPerMinute_thenEveryHandleGets429() throws Exception {
            Api.User user = api.newUser();
            double rejectionsBefore = counter("wallet.ratelimit.rejections", "limit", "login-per-ip");
            // Start from an empty Redis (it holds only what can be rebuilt), so the IP's bucket is
            // full whatever the tests before used; emptied again at the end so the IP can log in.
            redis.call(commands -> commands.flushall());
            try {
                // All at once, so that the bucket (refilled at one token per second) earns back as
                // little as possible while the attempts are checked. Fresh handles: only the IP
                // is shared, and the per-handle limit never comes into play.
                int attempts = 75;
                CountDownLatch start = new CountDownLatch(1);
                List<Future<Api.Response>> futures = new ArrayList<>();
                long started;
                try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
                    for (int i = 0; i < attempts; i++) {
                        String handle = "nobody_"
                                + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
                        futures.add(clients.submit(() -> {
                            start.await();
                            return login(handle, "some password " + handle);
                        }));
                    }
                    started = System.nanoTime();
                    start.countDown();
                    for (Future<Api.Response> future : futures) {
                        future.get(60, TimeUnit.SECONDS);
                    }
                }
                double elapsedSeconds = (System.nanoTime() - started) / 1e9;
                int allowed = 0;
                int refused = 0;
                for (Future<Api.Response> future : futures) {
                    Api.Response response = future.get();
                    // The tightest bucket is reported: the fresh handle's (10) while the IP has more left, then the
                    // IP's (60).
                    assertThat(response.header("RateLimit-Limit"))
                            .as(response.body())
                            .isIn("10", "60");
                    assertRateLimitHeaders(response, Integer.parseInt(response.header("RateLimit-Limit")));
                    if (response.status() == 429) {
                        assertRateLimited(response);
                        refused++;
                    } else {
                        assertThat(response.status()).as(response.body()).isEqualTo(401);
                        allowed++;
                    }
                }
                assertThat(allowed)
                        .as("attempts let through in %.1f s", elapsedSeconds)
                        .isGreaterThanOrEqualTo(60)
                        .isLessThanOrEqualTo(60 + (int) elapsedSeconds);
                assertThat(refused).isEqualTo(attempts - allowed);

                // The IP is out of attempts: a known handle with the right password is refused too.
                // The bucket earns a token back every second, so on a slow run some of these get in;
                // never more than it earned since the start.
                int rightAttempts = 60;
                List<Future<Api.Response>> rightFutures = new ArrayList<>();
                try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
                    for (int i = 0; i < rightAttempts; i++) {
                        rightFutures.add(clients.submit(() -> login(user.handle(), Api.PASSWORD)));
                    }
                }
                int rightAllowed = 0;
                Api.Response right = null;
                for (Future<Api.Response> future : rightFutures) {
                    Api.Response response = future.get();
                    if (response.status() == 200) {
                        rightAllowed++;
                    } else {
                        assertRateLimited(response);
                        assertRateLimitHeaders(response, 60);
                        assertThat(response.header("RateLimit-Remaining")).isEqualTo("0");
                        right = response;
                    }
                }
                double sinceStart = (System.nanoTime() - started) / 1e9;
                assertThat(right).as("no right-password login refused").isNotNull();
                assertThat(allowed + rightAllowed).isLessThanOrEqualTo(60 + (int) sinceStart);
                assertThat(counter("wallet.ratelimit.rejections", "limit", "login-per-ip"))
                        .isEqualTo(rejectionsBefore + refused + rightAttempts - rightAllowed);
            } finally {
                redis.call(commands -> commands.flushall());
            }
            assertThat(login(user.handle(), Api.PASSWORD).status()).isEqualTo(200);
        }
    }

    @Nested
    @Order(3)
    class BankLinks extends ProductionLimits {

        @Test
        void malformedLinks_are400_andCostNoToken_evenWithTheBucketEmpty() {
            Api.User user = api.newUser();
            for (int i = 0; i < 12; i++) {
                Api.Response malformed = link(user, "123456789", "12345678");
                assertThat(malformed.status()).as(malformed.body()).isEqualTo(400);
                assertThat(malformed.code()).isEqualTo("validation_failed");
            }
            // Ten a day: all ten are still there (linking the same account again takes one too).
            for (int n = 1; n <= 10; n++) {
                Api.Response linked = link(user, "021000021", "12345678");
                assertThat(linked.status()).as(linked.body()).isIn(200, 201);
                assertThat(linked.header("RateLimit-Remaining")).isEqualTo(Integer.toString(10 - n));
            }
            assertRateLimited(link(user, "021000021", "12345678"));
            Api.Response malformed = link(user, "021000021", "12");
            assertThat(malformed.status())
                    .as("a malformed link with the bucket empty: %s", malformed.body())
                    .isEqualTo(400);
            assertThat(malformed.code()).isEqualTo("validation_failed");
        }

        private Api.Response link(Api.User user, String routingNumber, String accountNumber) {
            return api.post(
                    "/v1/bank-accounts",
                    user.token(),
                    null,
                    Map.of(
                            "routing_number",
                            routingNumber,
                            "account_number",
                            accountNumber,
                            "holder_name",
                            "Test Holder"));
        }
    }

    /**
     * Redis stopped under a running wallet, then a new one started on the same port. A context of
     * its own (closed afterwards), since its Redis is gone at the end.
     */
    @Nested
    @Order(4)
    @DirtiesContext
    class WhenRedisIsDown extends ProductionLimits {
        private static EmbeddedRedis replacement;

        @Autowired
        EmbeddedRedis embeddedRedis;

        @Autowired
        WalletProperties properties;

        /** Makes this context distinct from the shared one; the setting is the shipped default the test relies on. */
        @DynamicPropertySource
        static void ownContext(DynamicPropertyRegistry registry) {
            registry.add("wallet.redis.breaker-open-duration", () -> "2s");
        }

        @AfterAll
        static void stopReplacement() throws IOException {
            if (replacement != null) {
                replacement.close();
            }
        }

        @Test
        void
                withRedisStopped_loginSignUpAndPaymentsGoOnUnderThisNodesLimits_bruteForceIsStillLimited_andRedisDecidesAgainOnceBack()
                        throws Exception {
            Api.User sender = fundedUser(100_00);
            Api.User recipient = api.newUser();
            Api.User victim = api.newUser();
            Api.Response before = api.pay(sender, recipient, "1.00");
            assertThat(before.status()).as(before.body()).isEqualTo(201);
            assertRateLimitHeaders(before, 30);
            double localBefore = localDecisions();

            int redisPort = embeddedRedis.port();
            embeddedRedis.close();
            assertThat(embeddedRedis.isAlive()).isFalse();

            // Payments go on, still limited: the headers now come from this node's own buckets.
            for (int i = 0; i < 8; i++) {
                Api.Response paid = api.pay(sender, recipient, "1.00");
                assertThat(paid.status())
                        .as("payment %d with Redis down: %s", i, paid.body())
                        .isEqualTo(201);
                assertRateLimitHeaders(paid, 30);
            }
            assertThat(api.available(sender)).isEqualTo("91.00");

            // Login and sign-up go on: a cache outage is not a sign-in outage.
            Api.Response login = login(sender.handle(), Api.PASSWORD);
            assertThat(login.status()).as(login.body()).isEqualTo(200);
            assertThat(login.json().get("access_token").asString()).isNotEmpty();
            assertRateLimitHeaders(login, 10);
            Api.User newcomer = api.newUser();
            assertThat(api.get("/v1/accounts/me/balance", newcomer.token()).status())
                    .isEqualTo(200);

            // Guessing is still limited: ten wrong passwords from this IP lock it out of the handle...
            for (int attempt = 1; attempt <= 10; attempt++) {
                Api.Response wrong = login(victim.handle(), "wrong password " + attempt);
                assertThat(wrong.status())
                        .as("attempt %d: %s", attempt, wrong.body())
                        .isEqualTo(401);
                assertThat(wrong.header("RateLimit-Remaining")).isEqualTo(Integer.toString(11 - attempt));
            }
            Api.Response locked = login(victim.handle(), Api.PASSWORD);
            assertRateLimited(locked);
            assertThat(locked.json().get("access_token")).isNull();
            // ... while the owner, from an address of their own, logs in (after the handle's delay).
            RawHttp.Response owner = new RawHttp(port, InetAddress.getByName("127.0.0.2"))
                    .send("POST", "/v1/auth/login", Map.of(), loginBody(victim.handle(), Api.PASSWORD));
            assertThat(owner.status()).as(owner.body()).isEqualTo(200);
            assertThat(localDecisions())
                    .as("decisions taken by this node's buckets")
                    .isGreaterThan(localBefore);

            replacement =
                    EmbeddedRedis.start(properties.dataDir().toAbsolutePath().resolve("redis"), redisPort);

            // Within about one open period of the breaker, Redis decides again: a login takes no local decision.
            await("logins decided by Redis again")
                    .atMost(Duration.ofSeconds(45))
                    .until(() -> {
                        double local = localDecisions();
                        Api.Response again = login(sender.handle(), Api.PASSWORD);
                        return again.status() == 200 && localDecisions() == local;
                    });
            // A failure is recorded in Redis now (a full bucket expires at once, so it takes a failure to see one
            // there).
            double local = localDecisions();
            assertThat(login(sender.handle(), "a wrong password").status()).isEqualTo(401);
            Long bucket = redis.call(commands ->
                    commands.exists("rl:{" + sender.handle() + "|127.0.0.1}:login-failures-per-handle-and-ip"));
            assertThat(bucket).as("the failures bucket in Redis").isEqualTo(1);
            assertThat(localDecisions()).isEqualTo(local);
            Api.Response after = api.pay(sender, recipient, "1.00");
            assertThat(after.status()).as(after.body()).isEqualTo(201);
            assertRateLimitHeaders(after, 30);
            assertThat(localDecisions()).isEqualTo(local);
            // Every payment that answered 201 moved money exactly once.
            long paid = p2pTransfersFrom(sender.id());
            assertThat(api.available(sender)).isEqualTo(decimal(100_00 - paid * 100));
        }

        private double localDecisions() {
            return meters.find("wallet.ratelimit.local").counters().stream()
                    .mapToDouble(Counter::count)
                    .sum();
        }
    }
}
