package org.openwallet.funding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openwallet.Api;
import org.openwallet.LedgerTestSupport;
import org.openwallet.WalletIntegrationTest;
import org.openwallet.fraud.FreezeClient;
import org.openwallet.fraud.Freezes;
import org.openwallet.identity.Role;
import org.openwallet.identity.Roles;
import org.openwallet.platform.EmbeddedBankSimulator;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Freezing a user: only an admin may, with a bounded reason; both directions are audited, and a
 * repeat changes nothing. A frozen user cannot pay, be paid, withdraw or link a bank account; a
 * deposit already on its way still settles; unfreezing gives everything back. (The payment
 * refusals also hold when the fraud check has no time: {@code fraud.HardRulesOnTimeoutApiTest}.)
 */
class FreezeApiTest extends WalletIntegrationTest {
    @Autowired
    Roles roles;

    @Autowired
    EmbeddedBankSimulator simulator;

    @Autowired
    Funding fundingService;

    @Autowired
    Freezes freezeState;

    @Autowired
    BankSubmitter submitter;

    Api.User admin;
    FreezeClient freezes;
    FundingClient funding;
    BankOutcomes bank;

    @BeforeEach
    void clients() {
        admin = api.newUserWithRole(roles, Role.ADMIN);
        freezes = new FreezeClient(api, admin);
        funding = new FundingClient(api, jdbc, simulator);
        bank = new BankOutcomes(transactions, fundingService);
    }

    @Test
    void freezing_isForAdminsOnly_needsABoundedReason_andIsAuditedOncePerChange() {
        Api.User user = api.newUser();
        Api.User stranger = api.newUser();

        Api.Response notAdmin = new FreezeClient(api, stranger).freeze(user, Map.of("reason", "no"));
        assertThat(notAdmin.status()).as(notAdmin.body()).isEqualTo(403);
        assertThat(notAdmin.code()).isEqualTo("forbidden");
        assertThat(freezes.freeze(user, Map.of()).code()).isEqualTo("validation_failed");
        assertThat(freezes.freeze(user, Map.of("reason", "   ")).code()).isEqualTo("validation_failed");
        assertThat(freezes.freeze(user, Map.of("reason", "x".repeat(Freezes.MAX_REASON_LENGTH + 1)))
                        .code())
                .isEqualTo("validation_failed");
        assertThat(freezes.freeze(user, Map.of("reason", "line\u0000break")).code())
                .isEqualTo("validation_failed");
        Api.Response unknown =
                api.put("/v1/admin/users/" + UUID.randomUUID() + "/freeze", admin.token(), Map.of("reason", "who?"));
        assertThat(unknown.status()).as(unknown.body()).isEqualTo(404);
        assertThat(unknown.code()).isEqualTo("user_not_found");
        assertThat(freezeState.isFrozen(user.id())).isFalse();
        assertThat(audit(user.id())).isEmpty();

        freezes.freeze(user, "x".repeat(Freezes.MAX_REASON_LENGTH));
        freezes.freeze(user, "chargeback ring");
        Api.Response again = freezes.freeze(user, Map.of("reason", "chargeback ring"));
        assertThat(again.status()).as(again.body()).isEqualTo(200);
        assertThat(again.json().get("reason").asString()).isEqualTo("chargeback ring");
        assertThat(again.json().get("frozen_by").asString())
                .isEqualTo(admin.id().toString());
        Api.Response shown = api.get("/v1/admin/users/" + user.id() + "/freeze", admin.token());
        assertThat(shown.json().get("frozen").asBoolean()).isTrue();
        assertThat(shown.json().get("reason").asString()).isEqualTo("chargeback ring");
        assertThat(api.get("/v1/admin/users/" + user.id() + "/freeze", stranger.token())
                        .status())
                .isEqualTo(403);
        assertThat(freezeState.isFrozen(user.id())).isTrue();

        assertThat(new FreezeClient(api, stranger).unfreezeResponse(user).status())
                .isEqualTo(403);
        freezes.unfreeze(user);
        freezes.unfreeze(user);
        assertThat(freezeState.isFrozen(user.id())).isFalse();
        assertThat(api.get("/v1/admin/users/" + user.id() + "/freeze", admin.token())
                        .json()
                        .get("frozen")
                        .asBoolean())
                .isFalse();

        // One entry per change: the repeated freeze with the same reason and the second unfreeze changed nothing.
        List<AuditEntry> entries = audit(user.id());
        assertThat(entries)
                .extracting(AuditEntry::action)
                .containsExactly("user.frozen", "user.frozen", "user.unfrozen");
        assertThat(entries).allSatisfy(entry -> assertThat(entry.actorId()).isEqualTo(admin.id()));
        assertThat(entries.get(0).before()).isEqualTo("{\"frozen\": false}");
        assertThat(entries.get(1).before())
                .isEqualTo("{\"frozen\": true, \"reason\": \"" + "x".repeat(Freezes.MAX_REASON_LENGTH) + "\"}");
        assertThat(entries.get(1).after()).isEqualTo("{\"frozen\": true, \"reason\": \"chargeback ring\"}");
        assertThat(entries.get(2).before()).isEqualTo("{\"frozen\": true, \"reason\": \"chargeback ring\"}");
        assertThat(entries.get(2).after()).isEqualTo("{\"frozen\": false}");
    }

    @Test
    void aFrozenUser_cannotPayOrBePaid() {
        Api.User frozen = api.newUser();
        Api.User other = api.newUser();
        LedgerTestSupport.fund(transactions, ledger, frozen.id(), 20_00);
        LedgerTestSupport.fund(transactions, ledger, other.id(), 20_00);
        freezes.freeze(frozen, "under review");

        assertDeclined(api.pay(frozen, other, "1.00"), "sender_frozen");
        assertDeclined(api.pay(other, frozen, "1.00"), "recipient_frozen");
        assertThat(api.available(frozen)).isEqualTo("20.00");
        assertThat(api.available(other)).isEqualTo("20.00");
        assertThat(jdbc.sql("SELECT reasons::text FROM fraud_decisions WHERE sender_id = ? ORDER BY id")
                        .param(other.id())
                        .query(String.class)
                        .list())
                .containsExactly("[\"recipient_frozen\"]");

        freezes.unfreeze(frozen);
        assertThat(api.pay(frozen, other, "1.00").status()).isEqualTo(201);
        assertThat(api.pay(other, frozen, "3.00").status()).isEqualTo(201);
        assertThat(api.available(frozen)).isEqualTo("22.00");
    }

    @Test
    void aFrozenUser_cannotWithdrawOrLinkAnAccount_aDepositAlreadyMadeStillSettles_andUnfreezingRestoresBoth() {
        Api.User user = api.newUser();
        UUID account = funding.link(user);
        LedgerTestSupport.fund(transactions, ledger, user.id(), 50_00);
        UUID deposit = funding.pendingDeposit(user, account, "25.00");
        freezes.freeze(user, "identity check");

        Api.Response withdrawal = funding.withdraw(user, account, "10.00", null);
        assertFrozen(withdrawal);
        assertFrozen(funding.link(user, FundingClient.ROUTING, FundingClient.newAccountNumber(), "Test Holder"));
        assertThat(funding.accountIds(user)).containsExactly(account.toString());
        assertThat(jdbc.sql("SELECT count(*) FROM funding_requests WHERE user_id = ? AND kind = 'withdrawal'")
                        .param(user.id())
                        .query(Long.class)
                        .single())
                .isZero();

        // Money already on its way in is not lost: the bank settles it, and it is the user's.
        assertThat(bank.settle(deposit)).isTrue();
        assertThat(funding.balance(user)).isEqualTo(new FundingClient.Balance("75.00", "0.00"));

        freezes.unfreeze(user);
        assertThat(funding.withdraw(user, account, "10.00", null).status()).isEqualTo(202);
        assertThat(funding.link(user, FundingClient.ROUTING, FundingClient.newAccountNumber(), "Test Holder")
                        .status())
                .isEqualTo(201);
        assertThat(funding.balance(user).available()).isEqualTo("65.00");
    }

    @Test
    void aWithdrawalAskedForBeforeTheFreeze_isNotSentToTheBankWhileFrozen_andGoesOutAfterUnfreezing() {
        Api.User user = api.newUser();
        UUID account = funding.link(user);
        LedgerTestSupport.fund(transactions, ledger, user.id(), 50_00);
        UUID withdrawal = funding.pendingWithdrawal(user, account, "10.00", "standard");
        await("the withdrawal submitted").until(() -> submitted(withdrawal));
        // As if the freeze had come between the request's commit and its submission.
        jdbc.sql("UPDATE funding_requests SET submitted_at = NULL, bank_transfer_id = NULL WHERE id = ?")
                .param(withdrawal)
                .update();
        freezes.freeze(user, "account takeover suspected");

        submitter.submit(withdrawal);
        assertThat(submitted(withdrawal)).as("not sent while frozen").isFalse();
        assertThat(jdbc.sql("SELECT next_attempt_at > now() FROM funding_requests WHERE id = ?")
                        .param(withdrawal)
                        .query(Boolean.class)
                        .single())
                .as("backed off, so the sweep is not stuck on it")
                .isTrue();
        assertThat(funding.balance(user).available()).as("still held").isEqualTo("40.00");

        freezes.unfreeze(user);
        submitter.submit(withdrawal);
        assertThat(submitted(withdrawal)).isTrue();
    }

    private boolean submitted(UUID requestId) {
        return jdbc.sql("SELECT submitted_at IS NOT NULL FROM funding_requests WHERE id = ?")
                .param(requestId)
                .query(Boolean.class)
                .single();
    }

    private static void assertFrozen(Api.Response response) {
        assertThat(response.status()).as(response.body()).isEqualTo(403);
        assertThat(response.code()).isEqualTo("account_frozen");
        assertThat(response.header("Content-Type")).startsWith("application/problem+json");
    }

    private static void assertDeclined(Api.Response response, String reason) {
        assertThat(response.status()).as(response.body()).isEqualTo(403);
        assertThat(response.code()).isEqualTo("transfer_declined");
        assertThat(response.json().get("reason").asString()).isEqualTo(reason);
    }

    private record AuditEntry(String action, UUID actorId, String before, String after) {}

    private List<AuditEntry> audit(UUID userId) {
        return jdbc.sql(
                        "SELECT action, actor_id, before::text, after::text FROM audit_log WHERE target_type = 'user' AND target_id = ? ORDER BY id")
                .param(userId.toString())
                .query((rs, n) ->
                        new AuditEntry(rs.getString(1), (UUID) rs.getObject(2), rs.getString(3), rs.getString(4)))
                .list();
    }
}
