package org.openwallet.funding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openwallet.Api;
import org.openwallet.LedgerTestSupport;
import org.openwallet.Race;
import org.openwallet.WalletIntegrationTest;
import org.openwallet.ledger.LedgerVerifier;
import org.openwallet.platform.EmbeddedBankSimulator;
import org.openwallet.platform.config.WalletProperties;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * A deposit the bank returns after it settled (a late ACH return), delivered as signed webhooks
 * (this test plays the bank): the ledger takes back what the wallet has, books the rest as the
 * user's debt, refuses the indebted user's payments and withdrawals, and makes incoming money repay
 * the debt first, exactly, even when two credits arrive at once.
 */
class LateReturnTest extends WalletIntegrationTest {

    @Autowired
    LedgerVerifier verifier;

    @Autowired
    WalletProperties properties;

    @Autowired
    EmbeddedBankSimulator simulator;

    @org.springframework.boot.test.web.server.LocalServerPort
    int localPort;

    FundingClient funding;
    BankWebhookSender bank;

    @BeforeEach
    void playTheBank() {
        funding = new FundingClient(api, jdbc, simulator);
        bank = new BankWebhookSender("http://127.0.0.1:" + localPort, BankWebhookSender.secretOf(properties.dataDir()));
    }

    @Test
    void lateReturn_withEnoughBalance_reversesTheDepositInFull_andLeavesNoDebt() {
        Api.User user = api.newUser();
        LedgerTestSupport.fund(transactions, ledger, user.id(), 10_00);
        Deposit deposit = settledDeposit(user, "30.00");
        assertThat(api.available(user)).isEqualTo("40.00");

        deliverReturn(deposit, "30.00", "R01", BankWebhookSender.newEventId());

        var returned = funding.awaitStatus(user, "deposits", deposit.id(), "returned");
        assertThat(returned.get("reason_code").asString()).isEqualTo("R01");
        assertThat(balance(user)).containsEntry("available", "10.00").containsEntry("debt", "0.00");
        assertThat(transitions(deposit.id())).containsExactly("new>pending", "pending>settled", "settled>returned");
        assertThat(lateReturnRow(deposit.id())).isEqualTo(List.of(30_00L, 30_00L, 0L));
        assertThat(verifier.verify().problems()).isEmpty();
        assertThat(api.pay(user, api.newUser(), "10.00").status())
                .as("no debt: the user can pay")
                .isEqualTo(201);
    }

    @Test
    void lateReturn_beyondTheBalance_emptiesTheWallet_andTheRestIsADebt_stillDoubleEntry() {
        Api.User user = indebtedUser("50.00", "35.00");

        assertThat(balance(user))
                .containsEntry("available", "0.00")
                .containsEntry("pending", "0.00")
                .containsEntry("debt", "35.00");
        assertThat(jdbc.sql(
                                "SELECT posted_minor FROM ledger_accounts WHERE kind = 'user_receivable' AND owner_user_id = ?")
                        .param(user.id())
                        .query(Long.class)
                        .single())
                .as("the receivable is negative by the debt")
                .isEqualTo(-35_00L);
        assertThat(jdbc.sql("SELECT posted_minor FROM ledger_accounts WHERE kind = 'user_wallet' AND owner_user_id = ?")
                        .param(user.id())
                        .query(Long.class)
                        .single())
                .isZero();
        LedgerVerifier.Report report = verifier.verify();
        assertThat(report.problems()).isEmpty();
        assertThat(report.totalMinor()).as("the sum of all accounts").isZero();
    }

    @Test
    void walletInDebt_cannotPay_norWithdraw_butItsNeighboursInTheBatchCan() throws Exception {
        Api.User user = indebtedUser("20.00", "20.00");
        List<Api.User> others = List.of(api.newUser(), api.newUser(), api.newUser());
        for (Api.User other : others) {
            LedgerTestSupport.fund(transactions, ledger, other.id(), 5_00);
        }
        Api.User payee = api.newUser();

        // Released together, so they share group-commit batches: the refusal must not fail the others.
        List<Api.Response> answers = Race.run(4, i -> () -> api.pay(i == 0 ? user : others.get(i - 1), payee, "1.00"));

        assertThat(answers.get(0).status()).as(answers.get(0).body()).isEqualTo(422);
        assertThat(answers.get(0).code()).isEqualTo("account_in_debt");
        assertThat(answers.get(0).body()).contains("20.00");
        assertThat(answers.subList(1, 4))
                .allSatisfy(
                        answer -> assertThat(answer.status()).as(answer.body()).isEqualTo(201));
        Api.Response withdrawal = funding.withdraw(user, funding.link(user), "1.00", "standard");
        assertThat(withdrawal.code()).as(withdrawal.body()).isEqualTo("account_in_debt");
        assertThat(api.available(payee)).isEqualTo("3.00");
        assertThat(verifier.verify().problems()).isEmpty();
    }

    @Test
    void incomingPayment_thenANewDeposit_repayTheDebtFirst_thenTheUserCanPayAgain() {
        Api.User user = indebtedUser("50.00", "35.00");
        Api.User friend = api.newUser();
        LedgerTestSupport.fund(transactions, ledger, friend.id(), 20_00);

        assertThat(api.pay(friend, user, "20.00").status()).isEqualTo(201);
        assertThat(balance(user)).containsEntry("available", "0.00").containsEntry("debt", "15.00");
        assertThat(api.pay(user, friend, "0.01").code()).isEqualTo("account_in_debt");

        settledDeposit(user, "25.00");
        assertThat(balance(user)).containsEntry("available", "10.00").containsEntry("debt", "0.00");
        assertThat(jdbc.sql("""
                SELECT coalesce(sum(t.amount_minor), 0) FROM ledger_transfers t JOIN ledger_accounts a ON a.id = t.to_account_id
                 WHERE t.kind = 'debt_repayment' AND a.owner_user_id = ?""").param(user.id()).query(Long.class).single())
                .as("20.00 from the payment, 15.00 from the deposit")
                .isEqualTo(35_00L);

        Api.Response payment = api.pay(user, friend, "10.00");
        assertThat(payment.status()).as(payment.body()).isEqualTo(201);
        assertThat(verifier.verify().problems()).isEmpty();
    }

    @Test
    void concurrentIncomingPayments_repayExactlyTheDebt_neverMore() throws Exception {
        Api.User user = indebtedUser("50.00", "35.00");
        List<Api.User> payers = List.of(api.newUser(), api.newUser(), api.newUser(), api.newUser());
        for (Api.User payer : payers) {
            LedgerTestSupport.fund(transactions, ledger, payer.id(), 20_00);
        }

        List<Api.Response> answers = Race.run(payers.size(), i -> () -> api.pay(payers.get(i), user, "20.00"));

        assertThat(answers)
                .allSatisfy(
                        answer -> assertThat(answer.status()).as(answer.body()).isEqualTo(201));
        assertThat(balance(user))
                .as("80.00 in, 35.00 of it repaid")
                .containsEntry("available", "45.00")
                .containsEntry("debt", "0.00");
        assertThat(jdbc.sql(
                                "SELECT posted_minor FROM ledger_accounts WHERE kind = 'user_receivable' AND owner_user_id = ?")
                        .param(user.id())
                        .query(Long.class)
                        .single())
                .isZero();
        assertThat(verifier.verify().problems()).isEmpty();
    }

    @Test
    void returnedWithdrawal_repaysTheDebt() {
        Api.User user = api.newUser();
        LedgerTestSupport.fund(transactions, ledger, user.id(), 30_00);
        UUID withdrawal = funding.pendingWithdrawal(user, funding.link(user), "30.00", "standard");
        Deposit deposit = settledDeposit(user, "10.00");
        assertThat(api.pay(user, api.newUser(), "10.00").status()).isEqualTo(201);
        deliverReturn(deposit, "10.00", "R10", BankWebhookSender.newEventId());
        funding.awaitStatus(user, "deposits", deposit.id(), "returned");
        assertThat(balance(user)).containsEntry("available", "0.00").containsEntry("debt", "10.00");

        Api.Response delivered = bank.deliver(BankWebhookSender.event(
                BankWebhookSender.newEventId(),
                "returned",
                withdrawal,
                bankTransferId(withdrawal),
                "credit",
                "30.00",
                "R02"));
        assertThat(delivered.status()).as(delivered.body()).isEqualTo(200);
        funding.awaitStatus(user, "withdrawals", withdrawal, "returned");

        assertThat(balance(user)).containsEntry("available", "20.00").containsEntry("debt", "0.00");
        assertThat(verifier.verify().problems()).isEmpty();
    }

    @Test
    void duplicateLateReturnWebhooks_reverseOnce() {
        Api.User user = api.newUser();
        LedgerTestSupport.fund(transactions, ledger, user.id(), 5_00);
        Deposit deposit = settledDeposit(user, "30.00");
        String eventId = BankWebhookSender.newEventId();
        String resentId = BankWebhookSender.newEventId();

        deliverReturn(deposit, "30.00", "R10", eventId);
        deliverReturn(deposit, "30.00", "R10", eventId);
        // The same return again under a new event id, as a bank that re-sends a report might: still the same return.
        deliverReturn(deposit, "30.00", "R10", resentId);
        funding.awaitStatus(user, "deposits", deposit.id(), "returned");
        awaitConsumed(eventId);
        awaitConsumed(resentId);

        assertThat(api.available(user)).isEqualTo("5.00");
        assertThat(jdbc.sql("SELECT count(*) FROM ledger_transfers WHERE reference LIKE ?")
                        .param("late-return:" + deposit.id() + "%")
                        .query(Long.class)
                        .single())
                .isEqualTo(1L);
        assertThat(transitions(deposit.id())).containsExactly("new>pending", "pending>settled", "settled>returned");
        assertThat(verifier.verify().problems()).isEmpty();
    }

    /** A user who spent {@code spent} of a settled deposit of {@code deposited} that the bank then returned late. */
    private Api.User indebtedUser(String deposited, String spent) {
        Api.User user = api.newUser();
        Deposit deposit = settledDeposit(user, deposited);
        Api.Response payment = api.pay(user, api.newUser(), spent);
        assertThat(payment.status()).as(payment.body()).isEqualTo(201);
        deliverReturn(deposit, deposited, "R10", BankWebhookSender.newEventId());
        funding.awaitStatus(user, "deposits", deposit.id(), "returned");
        return user;
    }

    private record Deposit(UUID id, String bankTransferId) {}

    private Deposit settledDeposit(Api.User user, String amount) {
        UUID id = funding.pendingDeposit(user, funding.link(user), amount);
        String bankTransferId = bankTransferId(id);
        Api.Response delivered = bank.deliver(BankWebhookSender.event(
                BankWebhookSender.newEventId(), "settled", id, bankTransferId, "debit", amount, null));
        assertThat(delivered.status()).as(delivered.body()).isEqualTo(200);
        funding.awaitStatus(user, "deposits", id, "settled");
        return new Deposit(id, bankTransferId);
    }

    private void deliverReturn(Deposit deposit, String amount, String reasonCode, String eventId) {
        Api.Response delivered = bank.deliver(BankWebhookSender.event(
                eventId, "returned", deposit.id(), deposit.bankTransferId(), "debit", amount, reasonCode));
        assertThat(delivered.status()).as(delivered.body()).isEqualTo(200);
    }

    /** The bank's id for the request, once the wallet has sent it (in the background, after the commit). */
    private String bankTransferId(UUID requestId) {
        await("request " + requestId + " accepted by the bank")
                .until(() -> jdbc.sql("SELECT bank_transfer_id IS NOT NULL FROM funding_requests WHERE id = ?")
                        .param(requestId)
                        .query(Boolean.class)
                        .single());
        return jdbc.sql("SELECT bank_transfer_id FROM funding_requests WHERE id = ?")
                .param(requestId)
                .query(String.class)
                .single();
    }

    private Map<String, String> balance(Api.User user) {
        Api.Response balance = api.get("/v1/accounts/me/balance", user.token());
        assertThat(balance.status()).as(balance.body()).isEqualTo(200);
        Map<String, String> fields = new LinkedHashMap<>();
        balance.json()
                .propertyStream()
                .forEach(field -> fields.put(field.getKey(), field.getValue().asString()));
        return fields;
    }

    private List<String> transitions(UUID requestId) {
        return jdbc.sql(
                        "SELECT from_status || '>' || to_status FROM funding_transitions WHERE request_id = ? ORDER BY occurred_at, to_status")
                .param(requestId)
                .query(String.class)
                .list();
    }

    /** The late return's amount, what was taken from the wallet, and what was left owing. */
    private List<Long> lateReturnRow(UUID requestId) {
        return jdbc.sql(
                        "SELECT amount_minor, reversed_minor, debt_minor FROM funding_late_returns WHERE request_id = ?")
                .param(requestId)
                .query((rs, n) -> List.of(rs.getLong(1), rs.getLong(2), rs.getLong(3)))
                .single();
    }

    /** Waits until the funding consumer has applied (or skipped) the bank event. */
    private void awaitConsumed(String bankEventId) {
        UUID envelopeId =
                UUID.nameUUIDFromBytes(("bank:" + bankEventId).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        await("bank event " + bankEventId + " consumed")
                .until(() ->
                        jdbc.sql("SELECT count(*) FROM processed_events WHERE consumer = 'funding' AND event_id = ?")
                                        .param(envelopeId)
                                        .query(Long.class)
                                        .single()
                                > 0);
    }
}
