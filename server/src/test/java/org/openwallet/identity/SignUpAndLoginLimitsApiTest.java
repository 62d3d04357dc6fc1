package org.openwallet.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.openwallet.LedgerTestSupport;
import org.openwallet.Race;
import org.openwallet.RawHttp;
import org.openwallet.WalletIntegrationTest;
import org.openwallet.ledger.Ledger;
import org.openwallet.platform.database.Transactions;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The bounds around sign-up and login, behind a trusted reverse proxy (127.0.0.1, so each test picks
 * its client IP with X-Forwarded-For): sign-ups per IP, password hashes at once, and a login lockout
 * that locks the attacker's IP out of a handle but never the handle's owner.
 *
 * <p>Not a {@code WalletIntegrationTest}: that base raises every limit, and its property source
 * would win over this class's (Spring applies a subclass's first). A context of its own: 3 sign-ups
 * per IP per hour, at most 2 hashes at once that others wait 20 ms for, and hashes slow enough
 * (32 MiB, 6 passes) that a burst really finds both permits taken.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SignUpAndLoginLimitsApiTest {
    static final int SIGN_UPS_PER_IP = 3;
    static final int CONCURRENT_HASHES = 2;
    static final String PASSWORD = "correct horse battery";

    @LocalServerPort
    int port;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    PasswordHasher hasher;

    @Autowired
    MeterRegistry meters;

    @Autowired
    Transactions transactions;

    @Autowired
    Ledger ledger;

    @DynamicPropertySource
    static void limits(DynamicPropertyRegistry registry) {
        WalletIntegrationTest.ownWallet(registry, WalletIntegrationTest.newDataDir());
        registry.add("wallet.http.trusted-proxies", () -> "127.0.0.1");
        registry.add("wallet.rate-limits.limits.signup-per-ip.capacity", () -> Integer.toString(SIGN_UPS_PER_IP));
        registry.add("wallet.passwords.memory-kib", () -> "32768");
        registry.add("wallet.passwords.iterations", () -> "6");
        registry.add("wallet.passwords.max-concurrent-hashes", () -> Integer.toString(CONCURRENT_HASHES));
        registry.add("wallet.passwords.hash-wait", () -> "20ms");
        // On two loaded cores a Redis call now and then takes longer than the shipped 50 ms, and login then fails
        // closed.
        registry.add("wallet.redis.timeout", () -> "1s");
    }

    @Test
    void aBurstOfSignUpsFromOneIp_crossesTheLimit_withRateLimitHeaders_andAnotherIpIsNotLimited() throws Exception {
        String ip = "198.51.100.10";
        for (int n = 1; n <= SIGN_UPS_PER_IP; n++) {
            RawHttp.Response created = signUp(freshHandle(), ip);
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            assertThat(created.header("RateLimit-Limit")).isEqualTo(Integer.toString(SIGN_UPS_PER_IP));
            assertThat(created.header("RateLimit-Remaining")).isEqualTo(Integer.toString(SIGN_UPS_PER_IP - n));
        }

        String refusedHandle = freshHandle();
        RawHttp.Response refused = signUp(refusedHandle, ip);
        assertThat(refused.status()).as(refused.body()).isEqualTo(429);
        assertThat(refused.code()).isEqualTo("rate_limited");
        assertThat(refused.header("Content-Type")).startsWith("application/problem+json");
        assertThat(refused.header("RateLimit-Remaining")).isEqualTo("0");
        // One sign-up back takes 20 minutes (3 per hour).
        assertThat(Long.parseLong(refused.header("Retry-After"))).isBetween(1_000L, 1_200L);
        assertThat(userCount(refusedHandle)).isZero();

        // The proxy is trusted, so X-Forwarded-For is the client: another client has its own bucket.
        assertThat(signUp(freshHandle(), "198.51.100.11").status()).isEqualTo(201);
    }

    @Test
    void malformedSignUpsAndLogins_are400_costNoToken_evenWithTheBucketEmpty() throws Exception {
        String ip = "198.51.100.90";
        for (int i = 0; i < SIGN_UPS_PER_IP + 2; i++) {
            RawHttp.Response shortPassword = new RawHttp(port)
                    .send(
                            "POST",
                            "/v1/auth/signup",
                            Map.of("X-Forwarded-For", ip),
                            "{\"handle\":\"" + freshHandle() + "\",\"password\":\"short\"}");
            assertThat(shortPassword.status()).as(shortPassword.body()).isEqualTo(400);
            assertThat(shortPassword.code()).isEqualTo("validation_failed");
        }
        // The malformed ones took nothing: the IP still has its whole allowance.
        for (int n = 1; n <= SIGN_UPS_PER_IP; n++) {
            RawHttp.Response created = signUp(freshHandle(), ip);
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            assertThat(created.header("RateLimit-Remaining")).isEqualTo(Integer.toString(SIGN_UPS_PER_IP - n));
        }
        assertThat(signUp(freshHandle(), ip).status()).isEqualTo(429);
        RawHttp.Response badHandle = new RawHttp(port)
                .send(
                        "POST",
                        "/v1/auth/signup",
                        Map.of("X-Forwarded-For", ip),
                        "{\"handle\":\"no spaces allowed\",\"password\":\"" + PASSWORD + "\"}");
        assertThat(badHandle.status())
                .as("a malformed sign-up with the bucket empty: %s", badHandle.body())
                .isEqualTo(400);
        assertThat(badHandle.code()).isEqualTo("validation_failed");

        // A login without a password is malformed too: 400, before any limit or hash.
        RawHttp.Response noPassword = new RawHttp(port)
                .send(
                        "POST",
                        "/v1/auth/login",
                        Map.of("X-Forwarded-For", ip),
                        "{\"handle\":\"" + freshHandle() + "\"}");
        assertThat(noPassword.status()).as(noPassword.body()).isEqualTo(400);
        assertThat(noPassword.code()).isEqualTo("validation_failed");
        assertThat(noPassword.header("RateLimit-Limit")).isNull();
    }

    @Test
    void atMostKHashesRunAtOnce_theOverflowOfSignUpsAndLoginsGets503WithRetryAfter() throws Exception {
        String handle = freshHandle();
        assertThat(signUp(handle, "198.51.100.20").status()).isEqualTo(201);
        double refusedBefore = meters.counter("wallet.passwords.hashes.refused").count();

        int racers = 8;
        List<Attempt> attempts = Race.run(racers, racer -> () -> {
            // Half log in, half sign up (each sign-up from its own IP, under the per-IP limit).
            if (racer % 2 == 0) {
                return new Attempt(null, logIn(handle, PASSWORD, "198.51.100.21"));
            }
            String newHandle = freshHandle();
            return new Attempt(newHandle, signUp(newHandle, "198.51.100." + (30 + racer)));
        });

        assertThat(hasher.limit()).isEqualTo(CONCURRENT_HASHES);
        assertThat(hasher.peakConcurrentHashes()).isEqualTo(CONCURRENT_HASHES);
        int refused = 0;
        for (Attempt attempt : attempts) {
            RawHttp.Response response = attempt.response();
            if (response.status() == 503) {
                refused++;
                assertThat(response.code()).isEqualTo("service_unavailable");
                assertThat(response.header("Content-Type")).startsWith("application/problem+json");
                assertThat(Long.parseLong(response.header("Retry-After"))).isGreaterThanOrEqualTo(1);
                if (attempt.signedUpHandle() != null) {
                    assertThat(userCount(attempt.signedUpHandle()))
                            .as("a refused sign-up creates nobody")
                            .isZero();
                }
            } else {
                assertThat(response.status())
                        .as(response.body())
                        .isEqualTo(attempt.signedUpHandle() == null ? 200 : 201);
            }
        }
        assertThat(refused).as("attempts over the bound").isPositive();
        assertThat(meters.counter("wallet.passwords.hashes.refused").count()).isEqualTo(refusedBefore + refused);
        // A refused login is not a failed one: the handle is not locked by the burst.
        assertThat(logIn(handle, PASSWORD, "198.51.100.21").status()).isEqualTo(200);
    }

    @Test
    void failedLoginsLockTheAttackersIpOutOfTheHandle_theOwnerFromAnotherIpLogsIn() throws Exception {
        String victim = freshHandle();
        assertThat(signUp(victim, "198.51.100.40").status()).isEqualTo(201);
        String attackerIp = "198.51.100.41";

        // The shipped 10 failures per handle and IP per 15 minutes.
        for (int attempt = 1; attempt <= 10; attempt++) {
            RawHttp.Response wrong = logIn(victim, "wrong password " + attempt, attackerIp);
            assertThat(wrong.status())
                    .as("attempt %d: %s", attempt, wrong.body())
                    .isEqualTo(401);
        }
        RawHttp.Response locked = logIn(victim, PASSWORD, attackerIp);
        assertThat(locked.status()).as(locked.body()).isEqualTo(429);
        assertThat(locked.code()).isEqualTo("rate_limited");

        String ownerIp = "198.51.100.42";
        RawHttp.Response owner = logIn(victim, PASSWORD, ownerIp);
        assertThat(owner.status()).as(owner.body()).isEqualTo(200);
        assertThat(owner.json().get("access_token").asString()).isNotEmpty();
        // The owner's payments are judged by the fraud rules as coming from the client, not from the proxy.
        UUID victimId = jdbc.sql("SELECT id FROM users WHERE handle = ?")
                .param(victim)
                .query(UUID.class)
                .single();
        LedgerTestSupport.fund(transactions, ledger, victimId, 10_00);
        String recipient = freshHandle();
        assertThat(signUp(recipient, "198.51.100.43").status()).isEqualTo(201);
        RawHttp.Response paid = new RawHttp(port)
                .send(
                        "POST",
                        "/v1/transfers",
                        Map.of(
                                "X-Forwarded-For",
                                ownerIp,
                                "Authorization",
                                "Bearer " + owner.json().get("access_token").asString(),
                                "Idempotency-Key",
                                UUID.randomUUID().toString()),
                        "{\"to_handle\":\"" + recipient + "\",\"amount\":\"1.00\",\"currency\":\"USD\"}");
        assertThat(paid.status()).as(paid.body()).isEqualTo(201);
        await("the payment's fraud decision").until(() -> !decisionIps(victimId).isEmpty());
        assertThat(decisionIps(victimId)).containsExactly(ownerIp);
    }

    private List<String> decisionIps(UUID senderId) {
        return jdbc.sql("SELECT ip FROM fraud_decisions WHERE sender_id = ?")
                .param(senderId)
                .query(String.class)
                .list();
    }

    private record Attempt(String signedUpHandle, RawHttp.Response response) {}

    private RawHttp.Response signUp(String handle, String ip) throws Exception {
        return new RawHttp(port)
                .send(
                        "POST",
                        "/v1/auth/signup",
                        Map.of("X-Forwarded-For", ip),
                        "{\"handle\":\"" + handle + "\",\"password\":\"" + PASSWORD + "\"}");
    }

    private RawHttp.Response logIn(String handle, String password, String ip) throws Exception {
        return new RawHttp(port)
                .send(
                        "POST",
                        "/v1/auth/login",
                        Map.of("X-Forwarded-For", ip),
                        "{\"handle\":\"" + handle + "\",\"password\":\"" + password + "\"}");
    }

    private long userCount(String handle) {
        return jdbc.sql("SELECT count(*) FROM users WHERE handle = ?")
                .param(handle)
                .query(Long.class)
                .single();
    }

    private static String freshHandle() {
        return "lim_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    }
}
