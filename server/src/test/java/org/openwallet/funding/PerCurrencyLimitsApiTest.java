package org.openwallet.funding;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openwallet.Api;
import org.openwallet.LedgerTestSupport;
import org.openwallet.WalletIntegrationTest;
import org.openwallet.ledger.Ledger;
import org.openwallet.platform.EmbeddedBankSimulator;
import org.openwallet.platform.database.Transactions;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A wallet that holds USD and JPY (no decimals): each currency's payments and withdrawals are held
 * to that currency's own limits, in its own units, never to the default currency's numbers read in
 * another currency's minor units (299.99 USD would be ¥29,999; 0.25 is no yen amount at all).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class PerCurrencyLimitsApiTest {
    @LocalServerPort
    int port;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    Transactions transactions;

    @Autowired
    Ledger ledger;

    @Autowired
    EmbeddedBankSimulator simulator;

    Api api;
    FundingClient funding;

    @DynamicPropertySource
    static void twoCurrencies(DynamicPropertyRegistry registry) {
        WalletIntegrationTest.ownWallet(registry, WalletIntegrationTest.newDataDir("per-currency-limits-"));
        WalletIntegrationTest.limitsOutOfReach(registry);
        registry.add("wallet.currencies.JPY.scale", () -> "0");
        registry.add("wallet.currencies.JPY.max-transfer-amount", () -> "1000000");
        // A later registration wins: the USD weekly limit back to the shipped one, JPY's own limits in whole yen.
        registry.add("wallet.fraud.limits.USD.weekly-limit-unverified", () -> "299.99");
        registry.add("wallet.fraud.limits.JPY.velocity-max-amount", () -> "10000000");
        registry.add("wallet.fraud.limits.JPY.weekly-limit-unverified", () -> "40000");
        registry.add("wallet.fraud.limits.JPY.weekly-limit-verified", () -> "700000");
        registry.add("wallet.fraud.limits.JPY.new-recipient-large-amount", () -> "10000000");
        registry.add("wallet.fraud.limits.JPY.new-ip-large-amount", () -> "10000000");
        registry.add("wallet.funding.instant-fee-bounds.JPY.min", () -> "30");
        registry.add("wallet.funding.instant-fee-bounds.JPY.max", () -> "3000");
        registry.add("wallet.funding.withdrawal-weekly-limits.JPY.unverified", () -> "100000");
        registry.add("wallet.funding.withdrawal-weekly-limits.JPY.verified", () -> "2000000");
    }

    @BeforeEach
    void connect() {
        api = new Api("http://127.0.0.1:" + port);
        funding = new FundingClient(api, jdbc, simulator);
    }

    @Test
    void payment_inASecondCurrency_isLimitedByItsOwnWeeklyLimit_notTheDefaultCurrencys() {
        Api.User alice = api.newUser();
        Api.User bob = api.newUser();
        LedgerTestSupport.fund(transactions, ledger, alice.id(), "JPY", 100_000);
        transactions.run(() -> ledger.openWallet(bob.id(), "JPY"));
        LedgerTestSupport.fund(transactions, ledger, alice.id(), 1_000_00);

        // ¥30,000 is above 29,999 (299.99 read in yen) but within JPY's own 40,000.
        Api.Response yen = pay(alice, bob, "30000", "JPY");
        assertThat(yen.status()).as(yen.body()).isEqualTo(201);
        Api.Response overYen = pay(alice, bob, "10001", "JPY");
        assertThat(overYen.status()).as(overYen.body()).isEqualTo(403);
        assertThat(overYen.json().get("reason").asString()).isEqualTo("weekly_limit_exceeded");
        assertThat(pay(alice, bob, "10000", "JPY").status())
                .as("exactly ¥40,000 in the week")
                .isEqualTo(201);

        // The USD limit is USD's own, and the yen sent does not count against it.
        assertThat(pay(alice, bob, "299.99", "USD").status()).isEqualTo(201);
        Api.Response overDollars = pay(alice, bob, "0.01", "USD");
        assertThat(overDollars.status()).as(overDollars.body()).isEqualTo(403);
        assertThat(overDollars.json().get("reason").asString()).isEqualTo("weekly_limit_exceeded");
    }

    @Test
    void instantWithdrawal_inASecondCurrency_hasItsOwnFeeBounds_andItsOwnWeeklyLimit() {
        Api.User user = api.newUser();
        LedgerTestSupport.fund(transactions, ledger, user.id(), "JPY", 300_000);
        UUID account = funding.link(user);

        // 1.75 % of ¥1,000 is ¥18, below JPY's minimum fee of ¥30 (USD's 0.25 is no yen amount).
        Api.Response small = funding.withdraw(user, UUID.randomUUID().toString(), yen(account, "1000", "instant"));
        assertThat(small.status()).as(small.body()).isEqualTo(202);
        assertThat(small.json().get("fee").asString()).isEqualTo("30");
        assertThat(small.json().get("currency").asString()).isEqualTo("JPY");
        // 1.75 % of ¥99,000 is ¥1,733, within the bounds.
        Api.Response large = funding.withdraw(user, UUID.randomUUID().toString(), yen(account, "99000", "instant"));
        assertThat(large.status()).as(large.body()).isEqualTo(202);
        assertThat(large.json().get("fee").asString()).isEqualTo("1733");
        // Above JPY's own weekly limit of ¥100,000 for an unverified user, whatever the bank did with the two before.
        Api.Response over = funding.withdraw(user, UUID.randomUUID().toString(), yen(account, "100001", "standard"));
        assertThat(over.status()).as(over.body()).isEqualTo(422);
        assertThat(over.code()).isEqualTo("withdrawal_limit_exceeded");
        assertThat(over.json().get("reason").asString()).isEqualTo("weekly_limit");
    }

    private Api.Response pay(Api.User from, Api.User to, String amount, String currency) {
        return api.post(
                "/v1/transfers",
                from.token(),
                UUID.randomUUID().toString(),
                Map.of("to_handle", to.handle(), "amount", amount, "currency", currency, "visibility", "private"));
    }

    private static Map<String, Object> yen(UUID account, String amount, String speed) {
        Map<String, Object> order = FundingClient.order(account, amount, speed);
        order.put("currency", "JPY");
        return order;
    }
}
