package org.openwallet.fraud;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.openwallet.Api;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The IP blocklist, the latency budget with each default decision, and the metrics endpoint.
 *
 * <p>The budget is missed the way it would be in production: the rules' database read is stalled
 * (the test holds an exclusive lock on a table the rules read), so the decision cannot be ready in
 * time. The lock is held until the response is in, so without the budget the request would never
 * answer (the client gives up after 30 s); the upper bounds on the time taken only allow for a
 * busy machine. Both contexts run the shipped rules with a 1 s budget (see
 * {@link FraudRulesApiTest.ProductionRules}); {@link StalledEvaluations} shares the context of
 * {@link FraudRulesApiTest}.
 */
class FraudBlocklistAndTimeoutApiTest {
    private static final long BUDGET_MICROS = 1_000_000;

    /** Stalls every fraud evaluation until {@link #close}: the rules read fraud_blocked_recipients. */
    static final class StalledRules implements AutoCloseable {
        private final Connection connection;

        StalledRules(DataSource dataSource) throws SQLException {
            connection = dataSource.getConnection();
            connection.setAutoCommit(false);
            try (Statement statement = connection.createStatement()) {
                statement.execute("LOCK TABLE fraud_blocked_recipients IN ACCESS EXCLUSIVE MODE");
            }
        }

        @Override
        public void close() throws SQLException {
            try {
                connection.rollback();
            } finally {
                connection.close();
            }
        }
    }

    /** {@code wallet.fraud.blocked-ips=127.0.0.1} (every test request's IP) and {@code on-timeout=decline}. */
    @Nested
    class BlockedIpAndDeclineOnTimeout extends FraudRulesApiTest.ProductionRules {
        @Autowired
        DataSource dataSource;

        @LocalManagementPort
        int managementPort;

        @DynamicPropertySource
        static void blockedIpAndDeclineOnTimeout(DynamicPropertyRegistry registry) {
            registry.add("wallet.fraud.blocked-ips", () -> "127.0.0.1");
            registry.add("wallet.fraud.on-timeout", () -> "decline");
        }

        @Test
        void everyPaymentFromABlockedIpIsDeclined_movesNothing_andIsRecorded() {
            Api.User sender = fundedUser(1_000_00);
            verify(sender);
            Api.User recipient = api.newUser();
            Api.User stranger = api.newUser();

            assertDeclined(api.pay(sender, recipient, "0.01"), "ip_blocked");
            assertDeclined(api.pay(sender, recipient, "150.00"), "ip_blocked");
            // Other rules that also apply are recorded too; the blocklist is the reason given.
            assertDeclined(api.pay(sender, stranger, "600.00"), "ip_blocked");
            // Verified or not, any sender.
            Api.User other = fundedUser(10_00);
            assertDeclined(api.pay(other, recipient, "1.00"), "ip_blocked");

            assertThat(api.available(sender)).isEqualTo("1000.00");
            assertThat(api.available(recipient)).isEqualTo("0.00");
            assertThat(p2pTransfersFrom(sender.id())).isZero();
            assertThat(p2pTransfersFrom(other.id())).isZero();

            List<FraudRulesApiTest.ProductionRules.Decision> decisions = decisions(sender.id());
            assertThat(decisions).hasSize(3);
            assertThat(decisions).allSatisfy(decision -> {
                assertThat(decision.decision()).isEqualTo("decline");
                assertThat(decision.reasonList().getFirst()).isEqualTo("ip_blocked");
                assertThat(decision.ip()).isEqualTo("127.0.0.1");
                assertThat(decision.timedOut()).isFalse();
            });
            assertThat(decisions.get(0).reasonList()).containsExactly("ip_blocked");
            assertThat(decisions.get(2).reasonList()).containsExactly("ip_blocked", "new_recipient_large_amount");
            assertThat(decisions(other.id()))
                    .singleElement()
                    .satisfies(decision -> assertThat(decision.reasonList()).containsExactly("ip_blocked"));
        }

        @Test
        void whenTheRulesMissTheBudget_theConfiguredDeclineApplies_andIsRecordedAsTimedOut() throws Exception {
            Api.User sender = fundedUser(10_00);
            Api.User recipient = api.newUser();

            Api.Response declined;
            long elapsedMicros;
            try (StalledRules stalled = new StalledRules(dataSource)) {
                long started = System.nanoTime();
                declined = api.pay(sender, recipient, "1.00");
                elapsedMicros = (System.nanoTime() - started) / 1_000;
            }
            assertDeclined(declined, "timeout");
            assertThat(elapsedMicros)
                    .as("answered after the budget, not after the stall")
                    .isBetween(BUDGET_MICROS, BUDGET_MICROS + 9_000_000);
            assertThat(api.available(sender)).isEqualTo("10.00");
            assertThat(p2pTransfersFrom(sender.id())).isZero();

            FraudRulesApiTest.ProductionRules.Decision decision =
                    decisions(sender.id()).getLast();
            assertThat(decision.decision()).isEqualTo("decline");
            assertThat(decision.timedOut()).isTrue();
            assertThat(decision.reasonList()).containsExactly("timeout");
            assertThat(decision.noteList()).contains("timeout");
            assertThat(decision.latencyMicros()).isGreaterThanOrEqualTo(BUDGET_MICROS);
            assertThat(decision.recipientId()).isEqualTo(recipient.id());

            // With the database answering again, the rules decide in time, and the blocklist applies.
            assertDeclined(api.pay(sender, recipient, "1.00"), "ip_blocked");
            FraudRulesApiTest.ProductionRules.Decision inTime =
                    decisions(sender.id()).getLast();
            assertThat(inTime.timedOut()).isFalse();
            assertThat(inTime.reasonList()).containsExactly("ip_blocked");
            assertThat(decisions(sender.id())).hasSize(2);
        }

        @Test
        void prometheusExposesTheWalletsMetrics_withoutAuthentication() {
            String before = scrape();
            Api.User sender = fundedUser(10_00);
            Api.User recipient = api.newUser();
            assertDeclined(api.pay(sender, recipient, "1.00"), "ip_blocked");
            // Failed logins per handle and IP are at their shipped 10 per 15 minutes in this context.
            for (int i = 0; i < 10; i++) {
                assertThat(login(sender.handle(), "wrong password " + i).status())
                        .isEqualTo(401);
            }
            assertThat(login(sender.handle(), Api.PASSWORD).status()).isEqualTo(429);
            String after = scrape();

            assertThat(sample(after, "wallet_fraud_decisions_total", "decision=\"decline\"", "reason=\"ip_blocked\""))
                    .isEqualTo(sample(
                                    before,
                                    "wallet_fraud_decisions_total",
                                    "decision=\"decline\"",
                                    "reason=\"ip_blocked\"")
                            + 1);
            assertThat(sample(after, "wallet_fraud_latency_seconds_count"))
                    .isEqualTo(sample(before, "wallet_fraud_latency_seconds_count") + 1);
            assertThat(sample(after, "wallet_fraud_latency_seconds_sum"))
                    .isGreaterThan(sample(before, "wallet_fraud_latency_seconds_sum"));
            assertThat(sample(after, "wallet_idempotency_fast_path_total", "outcome=\"miss\""))
                    .isEqualTo(sample(before, "wallet_idempotency_fast_path_total", "outcome=\"miss\"") + 1);
            assertThat(sample(after, "wallet_ratelimit_rejections_total", "limit=\"login-failures-per-handle-and-ip\""))
                    .isEqualTo(sample(
                                    before,
                                    "wallet_ratelimit_rejections_total",
                                    "limit=\"login-failures-per-handle-and-ip\"")
                            + 1);
        }

        private Api.Response login(String handle, String password) {
            return api.post("/v1/auth/login", null, null, Map.of("handle", handle, "password", password));
        }

        private String scrape() {
            // The metrics are on the management port (127.0.0.1 only), not on the public one.
            Api.Response response = new Api("http://127.0.0.1:" + managementPort).get("/actuator/prometheus", null);
            assertThat(response.status()).as(response.body()).isEqualTo(200);
            assertThat(response.header("Content-Type")).startsWith("text/plain");
            return response.body();
        }

        /** The sum of the samples of {@code name} whose labels include all of {@code labels}; 0 when there is none. */
        private static double sample(String exposition, String name, String... labels) {
            return exposition
                    .lines()
                    .filter(line -> !line.startsWith("#"))
                    .filter(line -> line.startsWith(name + "{") || line.startsWith(name + " "))
                    .filter(line -> Arrays.stream(labels).allMatch(line::contains))
                    .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                    .sum();
        }
    }

    /**
     * The shipped {@code on-timeout=allow} and {@code max-in-flight}, in the context of {@link FraudRulesApiTest}:
     * what stalled evaluations may keep once their callers have stopped waiting. (A payment allowed on
     * timeout, and the hard rules that still refuse it, are in {@link HardRulesOnTimeoutApiTest}: here
     * the stall would also hold up the payment's own read of the blocklist.)
     */
    @Nested
    class StalledEvaluations extends FraudRulesApiTest.ProductionRules {
        /** {@code FraudProperties.maxInFlight}'s default. */
        private static final int MAX_IN_FLIGHT = 8;

        @Autowired
        DataSource dataSource;

        @Autowired
        FraudCheck fraud;

        @Autowired
        org.openwallet.platform.redis.Redis redis;

        @Test
        void stalledEvaluations_areBoundedByMaxInFlight_holdNoConnectionPastTheDeadline_andReserveNothing()
                throws Exception {
            int requests = 3 * MAX_IN_FLIGHT;
            List<UUID> senders = java.util.stream.Stream.generate(UUID::randomUUID)
                    .limit(requests)
                    .toList();
            List<FraudDecision> decisions;
            try (StalledRules stalled = new StalledRules(dataSource)) {
                decisions = org.openwallet.Race.run(
                        requests,
                        i -> () -> fraud.assess(
                                new FraudRequest(senders.get(i), UUID.randomUUID(), 1_00, "USD", "10.1.2.3")));
                // The stall goes on, yet no evaluation waits on it any more: each read was cancelled at
                // its deadline and its connection is back in the pool.
                await("no fraud read waiting on the stalled table").until(() -> readsWaitingOnTheStall() == 0);
                assertThat(readsWaitingOnTheStall()).isZero();
            }
            assertThat(decisions).allSatisfy(decision -> {
                assertThat(decision.allowed()).isTrue();
                assertThat(decision.timedOut()).isTrue();
                assertThat(decision.notes()).contains("timeout");
                assertThat(decision.velocityMember()).isNull();
            });
            // At most max-in-flight evaluations ran; the others skipped the soft rules at once.
            List<FraudDecision> skipped = decisions.stream()
                    .filter(decision -> decision.notes().contains("overloaded"))
                    .toList();
            assertThat(skipped).hasSizeGreaterThanOrEqualTo(requests - MAX_IN_FLIGHT);
            assertThat(skipped)
                    .allSatisfy(decision -> assertThat(decision.latencyMicros()).isLessThan(BUDGET_MICROS));
            // No late evaluation reserved velocity for a payment whose caller had given up.
            for (UUID sender : senders) {
                long reserved = redis.call(commands -> commands.zcard("velocity:{" + sender + "}:USD"));
                assertThat(reserved).isZero();
            }
            // Every permit came back: with the database answering, the rules decide in time again.
            FraudDecision inTime =
                    fraud.assess(new FraudRequest(senders.getFirst(), UUID.randomUUID(), 1_00, "USD", "10.1.2.3"));
            try {
                assertThat(inTime.timedOut()).isFalse();
                assertThat(inTime.notes()).doesNotContain("overloaded");
                assertThat(inTime.allowed()).isTrue();
            } finally {
                fraud.release(inTime);
            }
        }

        /** Backends waiting for a lock on the stalled table: evaluations still holding a connection. */
        private long readsWaitingOnTheStall() {
            return jdbc.sql("""
                    SELECT count(*) FROM pg_stat_activity
                     WHERE wait_event_type = 'Lock' AND query LIKE '%fraud_blocked_recipients%' AND pid <> pg_backend_pid()
                    """).query(Long.class).single();
        }
    }
}
