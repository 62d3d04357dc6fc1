package org.openwallet.account;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.openwallet.Api;
import org.openwallet.LedgerTestSupport;
import org.openwallet.WalletIntegrationTest;
import tools.jackson.databind.JsonNode;

/** {@code GET /v1/accounts/me/balance}: the caller's own balance, as decimal strings. */
class BalanceApiTest extends WalletIntegrationTest {
    private static final String BALANCE = "/v1/accounts/me/balance";

    private JsonNode balance(Api.User user) {
        Api.Response response = api.get(BALANCE, user.token());
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response.json();
    }

    @Test
    void balance_ofANewUser_isUsdWithZeroAvailableAndZeroPendingAsStrings() {
        Api.User user = api.newUser();

        Api.Response response = api.get(BALANCE, user.token());

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.header("Content-Type")).startsWith("application/json");
        JsonNode body = response.json();
        assertThat(body.propertyNames())
                .containsExactlyInAnyOrder("currency", "available", "pending", "on_hold", "withdrawable", "debt");
        assertThat(body.get("on_hold").asString()).isEqualTo("0.00");
        assertThat(body.get("withdrawable").asString()).isEqualTo("0.00");
        assertThat(body.get("debt").asString()).isEqualTo("0.00");
        assertThat(body.get("currency").isString()).isTrue();
        assertThat(body.get("available").isString()).isTrue();
        assertThat(body.get("pending").isString()).isTrue();
        assertThat(body.get("currency").asString()).isEqualTo("USD");
        assertThat(body.get("available").asString()).isEqualTo("0.00");
        assertThat(body.get("pending").asString()).isEqualTo("0.00");
        assertThat(body.get("debt").asString())
                .as("always present, zero when nothing is owed")
                .isEqualTo("0.00");
    }

    @Test
    void balance_afterFundingAndPaying_isExactForBothParties() {
        Api.User alice = api.newUser();
        Api.User bob = api.newUser();
        LedgerTestSupport.fund(transactions, ledger, alice.id(), 100_000);

        assertThat(balance(alice).get("available").asString()).isEqualTo("1000.00");
        assertThat(api.pay(alice, bob, "12.34").status()).isEqualTo(201);
        assertThat(api.pay(alice, bob, "0.01").status()).isEqualTo(201);
        assertThat(api.pay(bob, alice, "2.30").status()).isEqualTo(201);

        JsonNode ofAlice = balance(alice);
        JsonNode ofBob = balance(bob);
        assertThat(ofAlice.get("available").asString()).isEqualTo("989.95");
        assertThat(ofAlice.get("pending").asString()).isEqualTo("0.00");
        assertThat(ofBob.get("available").asString()).isEqualTo("10.05");
        assertThat(ofBob.get("pending").asString()).isEqualTo("0.00");
    }

    @Test
    void balance_ofOneMinorUnit_isFormattedWithTwoDecimals() {
        Api.User alice = api.newUser();
        LedgerTestSupport.fund(transactions, ledger, alice.id(), 1);

        assertThat(balance(alice).get("available").asString()).isEqualTo("0.01");
    }

    @Test
    void balance_ofLargeAmount_isFormattedWithoutGroupingOrExponent() {
        Api.User alice = api.newUser();
        LedgerTestSupport.fund(transactions, ledger, alice.id(), 123_456_789_00L);

        assertThat(balance(alice).get("available").asString()).isEqualTo("123456789.00");
    }

    @Test
    void balance_afterARefusedPayment_isUnchanged() {
        Api.User alice = api.newUser();
        Api.User bob = api.newUser();
        LedgerTestSupport.fund(transactions, ledger, alice.id(), 500);

        assertThat(api.pay(alice, bob, "5.01").code()).isEqualTo("insufficient_funds");

        assertThat(balance(alice).get("available").asString()).isEqualTo("5.00");
        assertThat(balance(bob).get("available").asString()).isEqualTo("0.00");
    }

    @Test
    void balance_showsOnlyTheCallersOwnWallet() {
        Api.User rich = api.newUser();
        Api.User poor = api.newUser();
        LedgerTestSupport.fund(transactions, ledger, rich.id(), 77_700);

        assertThat(balance(rich).get("available").asString()).isEqualTo("777.00");
        assertThat(balance(poor).get("available").asString()).isEqualTo("0.00");
    }

    @Test
    void balance_withExplicitConfiguredCurrency_isThatWallet() {
        Api.User alice = api.newUser();
        LedgerTestSupport.fund(transactions, ledger, alice.id(), 4_200);

        Api.Response response = api.get(BALANCE + "?currency=USD", alice.token());

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.json().get("currency").asString()).isEqualTo("USD");
        assertThat(response.json().get("available").asString()).isEqualTo("42.00");
    }

    @Test
    void balance_inCurrencyWithoutAWallet_isNotFound() {
        Api.User alice = api.newUser();

        Api.Response response = api.get(BALANCE + "?currency=EUR", alice.token());

        assertThat(response.status()).as(response.body()).isEqualTo(404);
        assertThat(response.header("Content-Type")).startsWith("application/problem+json");
        assertThat(response.code()).isEqualTo("not_found");
    }

    @Test
    void balance_ofAnotherUserById_doesNotExistAsAnEndpoint() {
        Api.User alice = api.newUser();
        Api.User bob = api.newUser();
        LedgerTestSupport.fund(transactions, ledger, bob.id(), 10_000);

        Api.Response response = api.get("/v1/accounts/" + bob.id() + "/balance", alice.token());

        assertThat(response.status()).isEqualTo(404);
        assertThat(response.code()).isEqualTo("not_found");
        assertThat(response.body()).doesNotContain("100.00");
    }

    @Test
    void balance_withoutToken_isUnauthorized() {
        Api.Response response = api.get(BALANCE, null);

        assertThat(response.status()).isEqualTo(401);
        assertThat(response.code()).isEqualTo("unauthorized");
    }
}
