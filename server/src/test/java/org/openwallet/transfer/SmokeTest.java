package org.openwallet.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.openwallet.Api;
import org.openwallet.LedgerTestSupport;
import org.openwallet.WalletIntegrationTest;

class SmokeTest extends WalletIntegrationTest {

    @Test
    void pay_movesMoneyBetweenWallets() {
        Api.User alice = api.newUser();
        Api.User bob = api.newUser();
        LedgerTestSupport.fund(transactions, ledger, alice.id(), 10_000);

        Api.Response paid = api.pay(alice, bob, "12.50");

        assertThat(paid.status()).as(paid.body()).isEqualTo(201);
        assertThat(api.available(alice)).isEqualTo("87.50");
        assertThat(api.available(bob)).isEqualTo("12.50");
    }
}
