package org.openwallet.funding;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openwallet.Api;
import org.openwallet.Race;
import org.openwallet.WalletIntegrationTest;
import org.openwallet.ledger.LedgerVerifier;
import org.openwallet.platform.EmbeddedBankSimulator;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * The funding API without a bank: linking bank accounts (numbers sealed, never shown), deposits
 * that show as pending, withdrawals that hold the amount and the instant fee at once, and every
 * refusal. No bank is configured, so every request stays pending here; outcomes are in
 * {@link BankWebhookTest}.
 */
class FundingApiTest extends WalletIntegrationTest {
    @Autowired
    LedgerVerifier verifier;

    @Autowired
    AccountNumbers numbers;

    @Autowired
    EmbeddedBankSimulator simulator;

    FundingClient funding;

    @BeforeEach
    void fundingClient() {
        funding = new FundingClient(api, jdbc, simulator);
    }

    @Test
    void linkingAnAccount_showsOnlyItsLast4_andStoresTheNumberSealed() {
        Api.User user = api.newUser();
        String number = FundingClient.newAccountNumber();

        Api.Response linked = funding.link(user, FundingClient.ROUTING, number, "Ada Lovelace");

        assertThat(linked.status()).as(linked.body()).isEqualTo(201);
        JsonNode account = linked.json();
        UUID id = UUID.fromString(account.get("id").asString());
        assertThat(account.get("last4").asString()).isEqualTo(number.substring(number.length() - 4));
        assertThat(account.get("holder_name").asString()).isEqualTo("Ada Lovelace");
        assertThat(account.get("bank_name").asString()).isEqualTo("JPMorgan Chase");
        assertThat(account.get("status").asString()).isEqualTo("pending_verification");
        assertThat(account.has("account_number")).isFalse();

        Api.Response again = funding.link(user, FundingClient.ROUTING, number, "Ada Lovelace");

        assertThat(again.status()).as(again.body()).isEqualTo(200);
        assertThat(again.json().get("id").asString()).isEqualTo(id.toString());
        Api.Response verified = funding.verify(user, id, funding.microDeposits(FundingClient.ROUTING, number));
        assertThat(verified.status()).as(verified.body()).isEqualTo(200);
        assertThat(verified.json().get("status").asString()).isEqualTo("active");

        Api.Response list = funding.accounts(user);
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.json().get("items")).hasSize(1);
        assertThat(list.json().get("items").get(0).get("id").asString()).isEqualTo(id.toString());
        assertThat(list.json().get("items").get(0).get("last4").asString())
                .isEqualTo(number.substring(number.length() - 4));

        Api.Response deposit = funding.deposit(user, id, "5.00");
        assertThat(deposit.status()).as(deposit.body()).isEqualTo(202);
        Api.Response deposits = api.get("/v1/funding/deposits", user.token());

        for (Api.Response response : List.of(linked, again, verified, list, deposit, deposits)) {
            assertThat(response.body()).as("a response body").doesNotContain(number);
        }
        assertThat(jdbc.sql("SELECT count(*) FROM bank_accounts WHERE user_id = ?")
                        .param(user.id())
                        .query(Long.class)
                        .single())
                .as("linked once")
                .isEqualTo(1);
        byte[] sealed = jdbc.sql("SELECT account_number_sealed FROM bank_accounts WHERE id = ?")
                .param(id)
                .query(byte[].class)
                .single();
        assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain(number);
        assertThat(HexFormat.of().formatHex(sealed))
                .doesNotContain(HexFormat.of().formatHex(number.getBytes(StandardCharsets.US_ASCII)));
        assertThat(jdbc.sql("SELECT b::text FROM bank_accounts b WHERE id = ?")
                        .param(id)
                        .query(String.class)
                        .single())
                .doesNotContain(number);
        assertThat(numbers.open(id, sealed))
                .as("the stored value is the number, sealed")
                .isEqualTo(number);
    }

    @Test
    void invalidAccounts_are400ValidationFailed_andNothingIsLinked() {
        Api.User user = api.newUser();
        String number = FundingClient.newAccountNumber();

        List<Api.Response> refused = List.of(
                funding.link(user, "021000022", number, "Holder"),
                funding.link(user, "02100002", number, "Holder"),
                funding.link(user, "02100002a", number, "Holder"),
                funding.link(user, null, number, "Holder"),
                funding.link(user, FundingClient.ROUTING, "123", "Holder"),
                funding.link(user, FundingClient.ROUTING, "123456789012345678", "Holder"),
                funding.link(user, FundingClient.ROUTING, "12345678901a", "Holder"),
                funding.link(user, FundingClient.ROUTING, null, "Holder"),
                funding.link(user, FundingClient.ROUTING, number, null),
                funding.link(user, FundingClient.ROUTING, number, "   "),
                funding.link(user, FundingClient.ROUTING, number, "x".repeat(101)));

        assertThat(refused).allSatisfy(response -> {
            assertThat(response.status()).as(response.body()).isEqualTo(400);
            assertThat(response.code()).isEqualTo("validation_failed");
            assertThat(response.body()).doesNotContain(number);
        });
        assertThat(funding.accountIds(user)).isEmpty();

        // The bounds themselves are fine: 4 and 17 digits, any routing number with a valid checksum.
        assertThat(funding.link(user, FundingClient.ROUTING, "1234", "Holder").status())
                .isEqualTo(201);
        assertThat(funding.link(user, FundingClient.ROUTING, "12345678901234567", "Holder")
                        .status())
                .isEqualTo(201);
        assertThat(funding.link(user, "110000000", number, "Holder").status()).isEqualTo(201);
        assertThat(funding.accountIds(user)).hasSize(3);
    }

    @Test
    void unlinking_removesTheAccountFromTheList_andOnlyItsOwnerCanUnlinkIt() {
        Api.User owner = api.newUser();
        Api.User stranger = api.newUser();
        UUID kept = funding.link(owner);
        UUID removed = funding.link(owner);

        Api.Response byStranger = api.delete("/v1/bank-accounts/" + kept, stranger.token());
        assertThat(byStranger.status()).as(byStranger.body()).isEqualTo(404);
        assertThat(byStranger.code()).isEqualTo("not_found");
        assertThat(api.delete("/v1/bank-accounts/" + UUID.randomUUID(), owner.token())
                        .status())
                .isEqualTo(404);
        assertThat(api.delete("/v1/bank-accounts/not-an-id", owner.token()).status())
                .isEqualTo(404);
        assertThat(funding.accountIds(owner)).containsExactly(kept.toString(), removed.toString());

        Api.Response unlinked = api.delete("/v1/bank-accounts/" + removed, owner.token());

        assertThat(unlinked.status()).as(unlinked.body()).isEqualTo(204);
        assertThat(funding.accountIds(owner)).containsExactly(kept.toString());
        assertThat(api.delete("/v1/bank-accounts/" + removed, owner.token()).status())
                .as("unlinking again")
                .isEqualTo(204);
        assertThat(funding.accountIds(owner)).containsExactly(kept.toString());
        assertThat(funding.accountIds(stranger)).isEmpty();
    }

    @Test
    void deposit_is202Pending_raisesPending_andLeavesAvailableAlone() {
        Api.User user = fundedUser(10_00);
        UUID account = funding.link(user);

        Api.Response deposit = funding.deposit(user, account, "25.00");

        assertThat(deposit.status()).as(deposit.body()).isEqualTo(202);
        JsonNode body = deposit.json();
        UUID id = UUID.fromString(body.get("id").asString());
        assertThat(body.get("type").asString()).isEqualTo("deposit");
        assertThat(body.get("status").asString()).isEqualTo("pending");
        assertThat(body.get("amount").asString()).isEqualTo("25.00");
        assertThat(body.get("currency").asString()).isEqualTo("USD");
        assertThat(body.get("bank_account_id").asString()).isEqualTo(account.toString());
        assertThat(body.has("speed")).isFalse();
        assertThat(funding.balance(user)).isEqualTo(new FundingClient.Balance("10.00", "25.00"));

        assertThat(funding.request(user, "deposits", id).get("status").asString())
                .isEqualTo("pending");
        assertThat(api.get("/v1/funding/deposits", user.token())
                        .json()
                        .get("items")
                        .valueStream()
                        .map(item -> item.get("id").asString()))
                .containsExactly(id.toString());
        assertThat(api.get("/v1/funding/withdrawals/" + id, user.token()).status())
                .as("a deposit is not a withdrawal")
                .isEqualTo(404);
        assertThat(api.get("/v1/funding/deposits/" + id, api.newUser().token()).status())
                .as("someone else's deposit")
                .isEqualTo(404);

        // Pending money is not spendable: 10.00 is.
        Api.User payee = api.newUser();
        Api.Response tooMuch = api.pay(user, payee, "10.01");
        assertThat(tooMuch.status()).as(tooMuch.body()).isEqualTo(422);
        assertThat(tooMuch.code()).isEqualTo("insufficient_funds");
        assertThat(funding.balance(user)).isEqualTo(new FundingClient.Balance("10.00", "25.00"));
        assertThat(verifier.verify().problems()).isEmpty();
    }

    @Test
    void depositWithoutIdempotencyKey_is400_andTheSameKeyAndBodyReplaysTheFirstResponse() {
        Api.User user = api.newUser();
        UUID account = funding.link(user);
        Map<String, Object> order = FundingClient.order(account, "25.00", null);

        Api.Response missing = funding.deposit(user, null, order);

        assertThat(missing.status()).as(missing.body()).isEqualTo(400);
        assertThat(missing.code()).isEqualTo("idempotency_key_missing");
        assertThat(funding.balance(user)).isEqualTo(new FundingClient.Balance("0.00", "0.00"));

        String key = UUID.randomUUID().toString();
        Api.Response first = funding.deposit(user, key, order);
        Api.Response replay = funding.deposit(user, key, order);
        Api.Response otherBody = funding.deposit(user, key, FundingClient.order(account, "26.00", null));

        assertThat(first.status()).as(first.body()).isEqualTo(202);
        assertThat(first.header("Idempotent-Replayed")).isNull();
        assertThat(replay.status()).isEqualTo(202);
        assertThat(replay.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(replay.body()).isEqualTo(first.body());
        assertThat(otherBody.status()).as(otherBody.body()).isEqualTo(422);
        assertThat(otherBody.code()).isEqualTo("idempotency_key_reused");
        assertThat(funding.balance(user))
                .as("one deposit pending")
                .isEqualTo(new FundingClient.Balance("0.00", "25.00"));
        assertThat(api.get("/v1/funding/deposits", user.token()).json().get("items"))
                .hasSize(1);
        assertThat(jdbc.sql("SELECT count(*) FROM funding_requests WHERE user_id = ?")
                        .param(user.id())
                        .query(Long.class)
                        .single())
                .isEqualTo(1);
    }

    @Test
    void withdrawalReplayedWithTheSameKey_holdsOnce() {
        Api.User user = fundedUser(100_00);
        UUID account = funding.link(user);
        String key = UUID.randomUUID().toString();
        Map<String, Object> order = FundingClient.order(account, "40.00", "instant");

        Api.Response first = funding.withdraw(user, key, order);
        Api.Response replay = funding.withdraw(user, key, order);

        assertThat(first.status()).as(first.body()).isEqualTo(202);
        assertThat(replay.status()).isEqualTo(202);
        assertThat(replay.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(replay.body()).isEqualTo(first.body());
        assertThat(funding.balance(user).available())
                .as("40.00 and a fee of 0.70, once")
                .isEqualTo("59.30");
        assertThat(funding.withdraw(user, null, order).code()).isEqualTo("idempotency_key_missing");
        assertThat(funding.balance(user).available()).isEqualTo("59.30");
    }

    @Test
    void withdrawal_holdsAmountAndFee_instantFeeIs1Point75PercentWithinItsBounds_standardIsFree() {
        Api.User user = fundedUser(5000_00);
        UUID account = funding.link(user);
        record Case(String amount, String speed, String fee, String availableAfter) {}
        List<Case> cases = List.of(
                new Case("30.00", "standard", "0.00", "4970.00"),
                new Case("10.00", "instant", "0.25", "4959.75"),
                new Case("100.00", "instant", "1.75", "4858.00"),
                new Case("2000.00", "instant", "25.00", "2833.00"),
                new Case("50.00", "instant", "0.88", "2782.12"),
                new Case("1.00", null, "0.00", "2781.12"));

        for (Case withdrawal : cases) {
            Api.Response response = funding.withdraw(user, account, withdrawal.amount(), withdrawal.speed());

            assertThat(response.status()).as(response.body()).isEqualTo(202);
            JsonNode body = response.json();
            assertThat(body.get("type").asString()).isEqualTo("withdrawal");
            assertThat(body.get("status").asString()).isEqualTo("pending");
            assertThat(body.get("amount").asString()).isEqualTo(withdrawal.amount());
            assertThat(body.get("speed").asString())
                    .isEqualTo(withdrawal.speed() == null ? "standard" : withdrawal.speed());
            assertThat(body.get("fee").asString())
                    .as("fee on %s %s", withdrawal.speed(), withdrawal.amount())
                    .isEqualTo(withdrawal.fee());
            assertThat(funding.balance(user))
                    .as("after %s %s", withdrawal.speed(), withdrawal.amount())
                    .isEqualTo(new FundingClient.Balance(withdrawal.availableAfter(), "0.00"));
            assertThat(funding.request(
                                    user,
                                    "withdrawals",
                                    UUID.fromString(body.get("id").asString()))
                            .get("fee")
                            .asString())
                    .isEqualTo(withdrawal.fee());
        }
        assertThat(api.get("/v1/funding/withdrawals", user.token()).json().get("items"))
                .hasSize(cases.size());
        assertThat(verifier.verify().problems()).isEmpty();
    }

    @Test
    void withdrawalAboveAvailable_is422InsufficientFunds_andHoldsNothing() {
        Api.User user = fundedUser(20_00);
        UUID account = funding.link(user);

        Api.Response aboveBalance = funding.withdraw(user, account, "20.01", "standard");
        Api.Response aboveWithFee = funding.withdraw(user, account, "20.00", "instant");

        for (Api.Response refused : List.of(aboveBalance, aboveWithFee)) {
            assertThat(refused.status()).as(refused.body()).isEqualTo(422);
            assertThat(refused.code()).isEqualTo("insufficient_funds");
        }
        assertThat(funding.balance(user)).isEqualTo(new FundingClient.Balance("20.00", "0.00"));
        assertThat(api.get("/v1/funding/withdrawals", user.token()).json().get("items"))
                .isEmpty();

        // A pending deposit does not count as available either.
        funding.pendingDeposit(user, account, "100.00");
        assertThat(funding.withdraw(user, account, "20.01", "standard").code()).isEqualTo("insufficient_funds");

        Api.Response everything = funding.withdraw(user, account, "20.00", "standard");
        assertThat(everything.status()).as(everything.body()).isEqualTo(202);
        assertThat(funding.balance(user)).isEqualTo(new FundingClient.Balance("0.00", "100.00"));
    }

    @Test
    void twoConcurrentWithdrawalsThatTogetherExceedAvailable_onlyOneIsAccepted() throws Exception {
        for (int round = 0; round < 5; round++) {
            Api.User user = fundedUser(100_00);
            UUID account = funding.link(user);
            List<Api.Response> responses =
                    Race.run(2, racer -> () -> funding.withdraw(user, account, "60.00", "standard"));

            assertThat(responses)
                    .as(
                            "round %d: %s",
                            round, responses.stream().map(Api.Response::body).toList())
                    .filteredOn(response -> response.status() == 202)
                    .hasSize(1);
            assertThat(responses)
                    .filteredOn(response -> response.status() == 422)
                    .singleElement()
                    .satisfies(refused -> assertThat(refused.code()).isEqualTo("insufficient_funds"));
            assertThat(funding.balance(user)).isEqualTo(new FundingClient.Balance("40.00", "0.00"));
            assertThat(api.get("/v1/funding/withdrawals", user.token()).json().get("items"))
                    .hasSize(1);
        }
        assertThat(verifier.verify().problems()).isEmpty();
    }

    @Test
    void depositOrWithdrawalWithAnUnknownRemovedOrStrangersAccount_is404() {
        Api.User user = fundedUser(50_00);
        UUID removed = funding.link(user);
        assertThat(api.delete("/v1/bank-accounts/" + removed, user.token()).status())
                .isEqualTo(204);
        UUID strangers = funding.link(api.newUser());

        for (UUID account : List.of(UUID.randomUUID(), removed, strangers)) {
            Api.Response deposit = funding.deposit(user, account, "10.00");
            Api.Response withdrawal = funding.withdraw(user, account, "10.00", "standard");

            for (Api.Response refused : List.of(deposit, withdrawal)) {
                assertThat(refused.status()).as(refused.body()).isEqualTo(404);
                assertThat(refused.code()).isEqualTo("not_found");
            }
        }
        assertThat(funding.balance(user)).isEqualTo(new FundingClient.Balance("50.00", "0.00"));
        assertThat(jdbc.sql("SELECT count(*) FROM funding_requests WHERE user_id = ?")
                        .param(user.id())
                        .query(Long.class)
                        .single())
                .isZero();
    }

    @Test
    void badAmounts_are422InvalidAmount() {
        Api.User user = fundedUser(50_00);
        UUID account = funding.link(user);

        for (String amount : List.of("0", "0.00", "-5.00", "1.234", "abc", "", "10000.01")) {
            Api.Response deposit = funding.deposit(user, account, amount);
            Api.Response withdrawal = funding.withdraw(user, account, amount, "standard");

            for (Api.Response refused : List.of(deposit, withdrawal)) {
                assertThat(refused.status())
                        .as("%s: %s", amount, refused.body())
                        .isEqualTo(422);
                assertThat(refused.code()).isEqualTo("invalid_amount");
            }
        }
        assertThat(funding.balance(user)).isEqualTo(new FundingClient.Balance("50.00", "0.00"));
        assertThat(jdbc.sql("SELECT count(*) FROM funding_requests WHERE user_id = ?")
                        .param(user.id())
                        .query(Long.class)
                        .single())
                .isZero();
    }

    @Test
    void speedOnADeposit_orAnUnknownSpeed_is400ValidationFailed() {
        Api.User user = fundedUser(50_00);
        UUID account = funding.link(user);

        Api.Response depositWithSpeed =
                funding.deposit(user, UUID.randomUUID().toString(), FundingClient.order(account, "10.00", "instant"));
        Api.Response depositWithStandard =
                funding.deposit(user, UUID.randomUUID().toString(), FundingClient.order(account, "10.00", "standard"));
        Api.Response unknownSpeed = funding.withdraw(user, account, "10.00", "overnight");

        for (Api.Response refused : List.of(depositWithSpeed, depositWithStandard, unknownSpeed)) {
            assertThat(refused.status()).as(refused.body()).isEqualTo(400);
            assertThat(refused.code()).isEqualTo("validation_failed");
        }
        assertThat(funding.balance(user)).isEqualTo(new FundingClient.Balance("50.00", "0.00"));
    }
}
