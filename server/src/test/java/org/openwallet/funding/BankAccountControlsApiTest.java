package org.openwallet.funding;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openwallet.Api;
import org.openwallet.LedgerTestSupport;
import org.openwallet.WalletIntegrationTest;
import org.openwallet.identity.Role;
import org.openwallet.identity.Roles;
import org.openwallet.platform.EmbeddedBankSimulator;
import org.openwallet.platform.config.WalletProperties;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Controls on bank accounts and the money that comes from them, with the shipped settings: a new
 * account is usable only once its two micro-deposits are confirmed (3 wrong answers lock it), at most
 * 5 accounts per user, an account number verified by another user is refused unless an admin allows
 * it, and money from a deposit is on hold (spendable, not withdrawable) for 3 business days after it
 * settled.
 */
class BankAccountControlsApiTest extends WalletIntegrationTest {
    @Autowired
    EmbeddedBankSimulator simulator;

    @Autowired
    WalletProperties properties;

    @Autowired
    Roles roles;

    @LocalServerPort
    int localPort;

    FundingClient funding;

    @BeforeEach
    void client() {
        funding = new FundingClient(api, jdbc, simulator);
    }

    @Test
    void unverifiedAccount_cannotDepositOrWithdraw_untilItsMicroDepositsAreConfirmed_inEitherOrder() {
        Api.User user = api.newUser();
        LedgerTestSupport.fund(transactions, ledger, user.id(), 50_00);
        String number = FundingClient.newAccountNumber();
        UUID account = funding.linkUnverified(user, FundingClient.ROUTING, number);

        for (Api.Response refused : List.of(
                funding.deposit(user, account, "10.00"), funding.withdraw(user, account, "10.00", "standard"))) {
            assertThat(refused.status()).as(refused.body()).isEqualTo(422);
            assertThat(refused.code()).isEqualTo("bank_account_unverified");
        }
        assertThat(jdbc.sql("SELECT count(*) FROM funding_requests WHERE user_id = ?")
                        .param(user.id())
                        .query(Long.class)
                        .single())
                .isZero();

        List<String> sent = funding.microDeposits(FundingClient.ROUTING, number);
        assertThat(sent).hasSize(2).allSatisfy(amount -> assertThat(amount).matches("0\\.(0[1-9]|[1-9][0-9])"));
        String stored = jdbc.sql("SELECT b::text FROM bank_accounts b WHERE id = ?")
                .param(account)
                .query(String.class)
                .single();
        Api.Response verified = funding.verify(user, account, List.of(sent.get(1), sent.get(0)));

        assertThat(verified.status()).as(verified.body()).isEqualTo(200);
        assertThat(verified.json().get("status").asString()).isEqualTo("active");
        assertThat(funding.verify(user, account, sent).status())
                .as("verifying again changes nothing")
                .isEqualTo(200);
        assertThat(jdbc.sql("SELECT micro_deposits_sealed IS NULL FROM bank_accounts WHERE id = ?")
                        .param(account)
                        .query(Boolean.class)
                        .single())
                .as("the amounts are forgotten once verified")
                .isTrue();
        assertThat(stored).as("the amounts are stored sealed").doesNotContain(sent.get(0) + "," + sent.get(1));
        assertThat(funding.deposit(user, account, "10.00").status()).isEqualTo(202);
        assertThat(funding.withdraw(user, account, "10.00", "standard").status())
                .isEqualTo(202);
    }

    @Test
    void threeWrongAnswers_lockTheAccount_andOnlyANewLinkWithNewMicroDepositsCanVerifyIt() {
        Api.User user = api.newUser();
        String number = FundingClient.newAccountNumber();
        UUID account = funding.linkUnverified(user, FundingClient.ROUTING, number);
        List<String> sent = funding.microDeposits(FundingClient.ROUTING, number);
        List<String> wrong = List.of(sent.get(0).equals("0.99") ? "0.98" : "0.99", sent.get(1));

        for (List<String> invalid :
                List.of(List.of("0.32"), List.of("0.00", "0.45"), List.of("1.00", "0.45"), List.of("abc", "0.45"))) {
            Api.Response refused = funding.verify(user, account, invalid);
            assertThat(refused.status()).as("%s: %s", invalid, refused.body()).isEqualTo(400);
        }
        Api.Response first = funding.verify(user, account, wrong);
        assertThat(first.status()).as(first.body()).isEqualTo(422);
        assertThat(first.code()).isEqualTo("verification_amounts_mismatch");
        assertThat(first.json().get("detail").asString()).contains("2 attempts left");
        assertThat(funding.verify(user, account, wrong).json().get("detail").asString())
                .contains("1 attempt left");
        Api.Response third = funding.verify(user, account, wrong);
        assertThat(third.status()).as(third.body()).isEqualTo(409);
        assertThat(third.code()).isEqualTo("bank_account_locked");

        Api.Response right = funding.verify(user, account, sent);
        assertThat(right.status()).as("the right answer is too late now").isEqualTo(409);
        assertThat(right.code()).isEqualTo("bank_account_locked");
        assertThat(funding.accounts(user)
                        .json()
                        .get("items")
                        .get(0)
                        .get("status")
                        .asString())
                .isEqualTo("verification_failed");
        assertThat(funding.deposit(user, account, "1.00").code()).isEqualTo("bank_account_unverified");

        UUID relinked = funding.linkUnverified(user, FundingClient.ROUTING, number);
        assertThat(relinked).isNotEqualTo(account);
        assertThat(funding.verify(user, relinked, funding.microDeposits(FundingClient.ROUTING, number))
                        .status())
                .isEqualTo(200);
    }

    @Test
    void anAccountNumberThatFailedVerificationTwice_cannotBeLinkedAgain_byAnyone_soItsMicroDepositsCannotBeGuessed() {
        String number = FundingClient.newAccountNumber();
        for (int round = 0; round < BankAccounts.MAX_FAILED_VERIFICATIONS_PER_NUMBER; round++) {
            // A fresh user each time: the bound is on the number, not on whoever guesses.
            Api.User guesser = api.newUser();
            UUID account = funding.linkUnverified(guesser, FundingClient.ROUTING, number);
            List<String> sent = funding.microDeposits(FundingClient.ROUTING, number);
            List<String> wrong = List.of(sent.get(0).equals("0.99") ? "0.98" : "0.99", sent.get(1));
            for (int attempt = 0; attempt < 3; attempt++) {
                funding.verify(guesser, account, wrong);
            }
            assertThat(funding.accounts(guesser)
                            .json()
                            .get("items")
                            .get(0)
                            .get("status")
                            .asString())
                    .isEqualTo("verification_failed");
        }

        Api.Response again = funding.link(api.newUser(), FundingClient.ROUTING, number, "Test Holder");
        assertThat(again.status()).as(again.body()).isEqualTo(409);
        assertThat(again.code()).isEqualTo("bank_account_locked");
        assertThat(funding.link(api.newUser(), FundingClient.ROUTING, FundingClient.newAccountNumber(), "Test Holder")
                        .status())
                .as("another number is unaffected")
                .isEqualTo(201);
    }

    @Test
    void aUserMayLinkAtMostFiveAccounts_removingOneMakesRoom() {
        Api.User user = api.newUser();
        List<UUID> linked = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            linked.add(funding.linkUnverified(user, FundingClient.ROUTING, FundingClient.newAccountNumber()));
        }

        Api.Response sixth = funding.link(user, FundingClient.ROUTING, FundingClient.newAccountNumber(), "Holder");

        assertThat(sixth.status()).as(sixth.body()).isEqualTo(409);
        assertThat(sixth.code()).isEqualTo("bank_account_limit_reached");
        assertThat(funding.accountIds(user)).hasSize(5);
        assertThat(api.delete("/v1/bank-accounts/" + linked.getFirst(), user.token())
                        .status())
                .isEqualTo(204);
        assertThat(funding.link(user, FundingClient.ROUTING, FundingClient.newAccountNumber(), "Holder")
                        .status())
                .isEqualTo(201);
    }

    @Test
    void anAccountNumberVerifiedByAnotherUser_isRefused_untilAnAdminAllowsIt_whichIsAudited() {
        Api.User owner = api.newUser();
        Api.User other = api.newUser();
        Api.User third = api.newUser();
        String number = FundingClient.newAccountNumber();
        // Both link it before either verifies: the second to verify is refused.
        UUID ownersAccount = funding.linkUnverified(owner, FundingClient.ROUTING, number);
        UUID othersEarlyLink = funding.linkUnverified(other, FundingClient.ROUTING, number);
        List<String> sent = funding.microDeposits(FundingClient.ROUTING, number);
        assertThat(funding.verify(owner, ownersAccount, funding.statement(FundingClient.ROUTING, number, ownersAccount))
                        .status())
                .isEqualTo(200);
        Api.Response lateVerify = funding.verify(
                other, othersEarlyLink, funding.statement(FundingClient.ROUTING, number, othersEarlyLink));
        assertThat(lateVerify.status()).as(lateVerify.body()).isEqualTo(409);
        assertThat(lateVerify.code()).isEqualTo("bank_account_in_use");
        assertThat(sent).isNotEmpty();

        Api.Response refused = funding.link(third, FundingClient.ROUTING, number, "Third");
        assertThat(refused.status()).as(refused.body()).isEqualTo(409);
        assertThat(refused.code()).isEqualTo("bank_account_in_use");
        assertThat(refused.body()).doesNotContain(number);
        assertThat(funding.accountIds(third)).isEmpty();

        Map<String, Object> allowance = Map.of(
                "user_id", third.id().toString(), "routing_number", FundingClient.ROUTING, "account_number", number);
        Api.Response byUser = api.post("/v1/admin/bank-account-allowances", other.token(), null, allowance);
        assertThat(byUser.code()).isEqualTo("forbidden");
        Api.User admin = api.newUserWithRole(roles, Role.ADMIN);
        Api.Response allowed = api.post("/v1/admin/bank-account-allowances", admin.token(), null, allowance);
        assertThat(allowed.status()).as(allowed.body()).isEqualTo(201);
        assertThat(allowed.body()).doesNotContain(number);
        assertThat(jdbc.sql(
                                "SELECT count(*) FROM audit_log WHERE action = 'bank_account_allowance.granted' AND target_id = ? AND actor_id = ?")
                        .params(third.id().toString(), admin.id())
                        .query(Long.class)
                        .single())
                .isEqualTo(1);

        funding.linkVerified(third, FundingClient.ROUTING, number);
        assertThat(funding.verify(
                                other,
                                othersEarlyLink,
                                funding.statement(FundingClient.ROUTING, number, othersEarlyLink))
                        .code())
                .as("the allowance is the third user's only")
                .isEqualTo("bank_account_in_use");
        assertThat(funding.link(api.newUser(), FundingClient.ROUTING, number, "Fourth")
                        .code())
                .isEqualTo("bank_account_in_use");
    }

    @Test
    void depositedMoney_isSpendableButNotWithdrawable_untilThreeBusinessDaysAfterItSettled() {
        Api.User user = api.newUser();
        Api.User friend = api.newUser();
        UUID account = funding.link(user);
        UUID deposit = funding.pendingDeposit(user, account, "100.00");
        BankWebhookSender bank = new BankWebhookSender(
                "http://127.0.0.1:" + localPort, BankWebhookSender.secretOf(properties.dataDir()));
        assertThat(bank.deliver(BankWebhookSender.event(
                                BankWebhookSender.newEventId(),
                                "settled",
                                deposit,
                                funding.awaitBankTransferId(deposit),
                                "debit",
                                "100.00",
                                null))
                        .status())
                .isEqualTo(200);
        funding.awaitStatus(user, "deposits", deposit, "settled");

        assertThat(funding.balance(user)).isEqualTo(new FundingClient.Balance("100.00", "0.00"));
        assertThat(funding.holds(user)).isEqualTo(new FundingClient.Holds("100.00", "0.00"));
        Api.Response cashOut = funding.withdraw(user, account, "10.00", "standard");
        assertThat(cashOut.status()).as(cashOut.body()).isEqualTo(422);
        assertThat(cashOut.code()).isEqualTo("funds_on_hold");
        assertThat(funding.balance(user))
                .as("nothing held by the refused withdrawal")
                .isEqualTo(new FundingClient.Balance("100.00", "0.00"));

        // Held money may be paid to a person; the hold never shows more than is left.
        assertThat(api.pay(user, friend, "30.00").status()).isEqualTo(201);
        assertThat(funding.holds(user)).isEqualTo(new FundingClient.Holds("70.00", "0.00"));
        // Money that did not come from the bank is withdrawable at once.
        LedgerTestSupport.fund(transactions, ledger, user.id(), 20_00);
        assertThat(funding.holds(user)).isEqualTo(new FundingClient.Holds("90.00", "0.00"));
        assertThat(funding.withdraw(user, account, "0.01", "standard").code()).isEqualTo("funds_on_hold");

        // A week later the bank can no longer return it (R01 returns come within two banking days).
        jdbc.sql("UPDATE funding_requests SET bank_settled_at = bank_settled_at - interval '8 days' WHERE id = ?")
                .param(deposit)
                .update();
        assertThat(funding.holds(user)).isEqualTo(new FundingClient.Holds("0.00", "90.00"));
        assertThat(funding.withdraw(user, account, "90.00", "standard").status())
                .isEqualTo(202);
    }

    @Test
    void theHoldEndsThreeBusinessDaysAfterSettlement_atTheSameTimeOfDay_skippingWeekends() {
        assertThat(DepositHolds.releasedAt(java.time.Instant.parse("2026-03-02T10:00:00Z"), 3))
                .as("Monday")
                .hasToString("2026-03-05T10:00:00Z");
        assertThat(DepositHolds.releasedAt(java.time.Instant.parse("2026-03-06T10:00:00Z"), 3))
                .as("Friday")
                .hasToString("2026-03-11T10:00:00Z");
        assertThat(DepositHolds.releasedAt(java.time.Instant.parse("2026-03-07T10:00:00Z"), 3))
                .as("Saturday")
                .hasToString("2026-03-11T10:00:00Z");
        assertThat(DepositHolds.releasedAt(java.time.Instant.parse("2026-03-07T10:00:00Z"), 0))
                .hasToString("2026-03-07T10:00:00Z");
    }
}
