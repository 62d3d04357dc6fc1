package org.openwallet.funding;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openwallet.Api;
import org.openwallet.LedgerTestSupport;
import org.openwallet.Race;
import org.openwallet.WalletIntegrationTest;
import org.openwallet.identity.Role;
import org.openwallet.identity.Roles;
import org.openwallet.ledger.Ledger;
import org.openwallet.ledger.LedgerVerifier;
import org.openwallet.platform.EmbeddedBankSimulator;
import org.openwallet.platform.database.Transactions;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The shipped controls on cash-outs, in a context of their own (the shared one puts them out of
 * reach): 999.99 per rolling 7 days for unverified users and 19,999.99 for verified ones, at most 5
 * withdrawals a day, at most 10 withdrawal requests an hour; parallel withdrawals cannot race past
 * the weekly limit.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class WithdrawalLimitsApiTest {
    @LocalServerPort
    int port;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    Transactions transactions;

    @Autowired
    Ledger ledger;

    @Autowired
    LedgerVerifier verifier;

    @Autowired
    Roles roles;

    @Autowired
    EmbeddedBankSimulator simulator;

    Api api;
    FundingClient funding;

    @DynamicPropertySource
    static void shippedWithdrawalLimits(DynamicPropertyRegistry registry) {
        WalletIntegrationTest.ownWallet(registry, WalletIntegrationTest.newDataDir("withdrawal-limits-"));
        WalletIntegrationTest.limitsOutOfReach(registry);
        // Back to the shipped values (application.properties and FundingProperties): a later registration wins.
        registry.add("wallet.funding.withdrawal-weekly-limits.USD.unverified", () -> "999.99");
        registry.add("wallet.funding.withdrawal-weekly-limits.USD.verified", () -> "19999.99");
        registry.add("wallet.funding.withdrawal-velocity-max-count", () -> "5");
        registry.add("wallet.rate-limits.limits.withdrawal-per-user.capacity", () -> "10");
    }

    @BeforeEach
    void connect() {
        api = new Api("http://127.0.0.1:" + port);
        funding = new FundingClient(api, jdbc, simulator);
    }

    @Test
    void unverifiedUser_mayWithdraw999Point99In7Days_thenIsDeclinedWithWithdrawalLimitExceeded() {
        Api.User user = fundedUser(3_000_00);
        UUID account = funding.link(user);

        assertThat(funding.withdraw(user, account, "600.00", "standard").status())
                .isEqualTo(202);
        Api.Response over = funding.withdraw(user, account, "400.00", "instant");

        assertThat(over.status()).as(over.body()).isEqualTo(422);
        assertThat(over.code()).isEqualTo("withdrawal_limit_exceeded");
        assertThat(over.json().get("reason").asString()).isEqualTo("weekly_limit");
        assertThat(over.json().get("detail").asString()).contains("999.99").contains("399.99");
        assertThat(funding.balance(user))
                .as("the declined withdrawal holds nothing, and takes no fee")
                .isEqualTo(new FundingClient.Balance("2400.00", "0.00"));
        assertThat(funding.withdraw(user, account, "399.99", "standard").status())
                .isEqualTo(202);
        assertThat(funding.withdraw(user, account, "0.01", "standard").code()).isEqualTo("withdrawal_limit_exceeded");
        assertThat(api.get("/v1/funding/withdrawals", user.token()).json().get("items"))
                .hasSize(2);
        assertThat(verifier.verify().problems()).isEmpty();
    }

    @Test
    void verifiedUser_hasTheHigherLimit() {
        Api.User user = fundedUser(25_000_00);
        UUID account = funding.link(user);
        Api.User admin = api.newUserWithRole(roles, Role.ADMIN);
        assertThat(api.put("/v1/admin/users/" + user.id() + "/verification", admin.token(), Map.of("verified", true))
                        .status())
                .isEqualTo(200);

        assertThat(funding.withdraw(user, account, "9999.99", "standard").status())
                .isEqualTo(202);
        assertThat(funding.withdraw(user, account, "10000.00", "standard").status())
                .isEqualTo(202);
        Api.Response over = funding.withdraw(user, account, "0.01", "standard");
        assertThat(over.code()).isEqualTo("withdrawal_limit_exceeded");
        assertThat(over.json().get("detail").asString()).contains("19999.99");
    }

    @Test
    void parallelWithdrawals_cannotRacePastTheWeeklyLimit() throws Exception {
        for (int round = 0; round < 3; round++) {
            Api.User user = fundedUser(5_000_00);
            UUID account = funding.link(user);

            List<Api.Response> responses =
                    Race.run(4, racer -> () -> funding.withdraw(user, account, "300.00", "standard"));

            List<String> outcomes = responses.stream()
                    .map(response -> response.status() + " " + response.body())
                    .toList();
            assertThat(responses)
                    .as("round %d: %s", round, outcomes)
                    .filteredOn(response -> response.status() == 202)
                    .hasSize(3);
            assertThat(responses)
                    .filteredOn(response -> response.status() == 422)
                    .singleElement()
                    .satisfies(refused -> assertThat(refused.code()).isEqualTo("withdrawal_limit_exceeded"));
            assertThat(funding.balance(user)).isEqualTo(new FundingClient.Balance("4100.00", "0.00"));
        }
        assertThat(verifier.verify().problems()).isEmpty();
    }

    @Test
    void theSixthWithdrawalOfADay_isDeclinedForVelocity_andTheEleventhRequestOfAnHourIsRateLimited() {
        Api.User user = fundedUser(100_00);
        UUID account = funding.link(user);

        for (int i = 1; i <= 5; i++) {
            Api.Response accepted = funding.withdraw(user, account, "1.00", "standard");
            assertThat(accepted.status())
                    .as("withdrawal %d: %s", i, accepted.body())
                    .isEqualTo(202);
        }
        for (int i = 6; i <= 10; i++) {
            Api.Response declined = funding.withdraw(user, account, "1.00", "standard");
            assertThat(declined.status())
                    .as("withdrawal %d: %s", i, declined.body())
                    .isEqualTo(422);
            assertThat(declined.code()).isEqualTo("withdrawal_limit_exceeded");
            assertThat(declined.json().get("reason").asString()).isEqualTo("velocity");
        }
        Api.Response limited = funding.withdraw(user, account, "1.00", "standard");
        assertThat(limited.status()).as(limited.body()).isEqualTo(429);
        assertThat(limited.code()).isEqualTo("rate_limited");
        assertThat(limited.header("Retry-After")).isNotBlank();
        assertThat(funding.balance(user)).isEqualTo(new FundingClient.Balance("95.00", "0.00"));
    }

    @Test
    void replaysAndMalformedRequests_costNoToken_andWithTheBucketEmptyAReplayIsAnsweredAndAMalformedRequestIs400() {
        Api.User user = fundedUser(100_00);
        UUID account = funding.link(user);
        String key = UUID.randomUUID().toString();
        Map<String, Object> body = FundingClient.order(account, "1.00", "standard");
        Api.Response first = funding.withdraw(user, key, body);
        assertThat(first.status()).as(first.body()).isEqualTo(202);

        // Retries of the finished request, and requests that fail validation: none takes a token.
        for (int i = 0; i < 3; i++) {
            assertReplayOf(first, funding.withdraw(user, key, body));
        }
        for (int i = 0; i < 5; i++) {
            Api.Response malformed = funding.withdraw(
                    user, UUID.randomUUID().toString(), FundingClient.order(account, null, "standard"));
            assertThat(malformed.status()).as(malformed.body()).isEqualTo(400);
            assertThat(malformed.code()).isEqualTo("validation_failed");
        }
        // So the hour's 10 tokens are the first request's and nine more: four accepted, five declined for velocity.
        for (int i = 2; i <= 10; i++) {
            Api.Response next = funding.withdraw(user, account, "1.00", "standard");
            assertThat(next.status()).as("request %d: %s", i, next.body()).isIn(202, 422);
        }
        Api.Response limited = funding.withdraw(user, account, "1.00", "standard");
        assertThat(limited.status()).as(limited.body()).isEqualTo(429);

        // With the bucket empty, the finished request's retry still gets its answer, and a malformed request is told
        // so.
        assertReplayOf(first, funding.withdraw(user, key, body));
        Api.Response malformed =
                funding.withdraw(user, UUID.randomUUID().toString(), FundingClient.order(account, "1.00", "overnight"));
        assertThat(malformed.status()).as(malformed.body()).isEqualTo(400);
        assertThat(malformed.code()).isEqualTo("validation_failed");
        assertThat(funding.balance(user)).isEqualTo(new FundingClient.Balance("95.00", "0.00"));
    }

    private static void assertReplayOf(Api.Response first, Api.Response replay) {
        assertThat(replay.status()).as(replay.body()).isEqualTo(first.status());
        assertThat(replay.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(replay.body()).isEqualTo(first.body());
    }

    private Api.User fundedUser(long minor) {
        return LedgerTestSupport.fundedUser(api, transactions, ledger, minor);
    }
}
