package org.openwallet.funding;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openwallet.Api;
import org.openwallet.LedgerTestSupport;
import org.openwallet.WalletIntegrationTest;
import org.openwallet.platform.EmbeddedBankSimulator;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * {@code PATCH /v1/transfers/{id}} narrows the visibility of a payment between users only. A
 * deposit, a withdrawal, its instant fee and a system funding have one user party and no feed
 * visibility: narrowing one is 422 {@code transfer_not_p2p}, never a 500, and writes no
 * visibility row and no event (which would carry a null party).
 */
class FundingTransferVisibilityApiTest extends WalletIntegrationTest {
    @Autowired
    EmbeddedBankSimulator simulator;

    @Autowired
    Funding fundingService;

    FundingClient funding;
    BankOutcomes bank;

    @BeforeEach
    void clients() {
        funding = new FundingClient(api, jdbc, simulator);
        bank = new BankOutcomes(transactions, fundingService);
    }

    @Test
    void narrowingADepositWithdrawalFeeOrSystemFunding_is422TransferNotP2p_andWritesNoEvent() {
        Api.User user = api.newUser();
        Api.User friend = api.newUser();
        LedgerTestSupport.fund(transactions, ledger, user.id(), 100_00);
        UUID account = funding.link(user);
        assertThat(bank.settle(funding.pendingDeposit(user, account, "30.00"))).isTrue();
        assertThat(bank.settle(funding.pendingWithdrawal(user, account, "20.00", "instant")))
                .isTrue();
        assertThat(api.pay(user, friend, "1.00").status()).isEqualTo(201);

        Map<String, UUID> byKind = new java.util.HashMap<>();
        for (JsonNode item :
                api.get("/v1/transfers?limit=100", user.token()).json().get("items")) {
            byKind.put(
                    item.get("type").asString(), UUID.fromString(item.get("id").asString()));
        }
        assertThat(byKind).containsOnlyKeys("test_funding", "deposit", "withdrawal", "withdrawal_fee", "p2p");

        for (String kind : new String[] {"test_funding", "deposit", "withdrawal", "withdrawal_fee"}) {
            UUID id = byKind.get(kind);
            for (String visibility : new String[] {"public", "friends", "private"}) {
                Api.Response refused = api.patch("/v1/transfers/" + id, user.token(), Map.of("visibility", visibility));
                assertThat(refused.status())
                        .as(kind + " to " + visibility + ": " + refused.body())
                        .isEqualTo(422);
                assertThat(refused.code()).isEqualTo("transfer_not_p2p");
                assertThat(refused.header("Content-Type")).startsWith("application/problem+json");
            }
            assertThat(api.get("/v1/transfers/" + id, user.token())
                            .json()
                            .get("type")
                            .asString())
                    .isEqualTo(kind);
            assertThat(jdbc.sql("SELECT count(*) FROM transfer_visibility WHERE transfer_id = ?")
                            .param(id)
                            .query(Long.class)
                            .single())
                    .as(kind)
                    .isZero();
            assertThat(jdbc.sql(
                                    "SELECT count(*) FROM outbox_events WHERE aggregate_type = 'transfer' AND aggregate_id = ? AND event_type <> 'transfer.posted'")
                            .param(id.toString())
                            .query(Long.class)
                            .single())
                    .as(kind)
                    .isZero();
        }

        // A payment between users still narrows, for either party.
        Api.Response narrowed =
                api.patch("/v1/transfers/" + byKind.get("p2p"), friend.token(), Map.of("visibility", "private"));
        assertThat(narrowed.status()).as(narrowed.body()).isEqualTo(200);
        assertThat(narrowed.json().get("visibility").asString()).isEqualTo("private");
    }
}
