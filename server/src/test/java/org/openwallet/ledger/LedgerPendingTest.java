package org.openwallet.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.openwallet.Race;
import org.openwallet.WalletIntegrationTest;
import org.openwallet.platform.database.Transactions;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Pending transfers: a promised credit shows as pending and is not spendable until posted; a hold
 * lowers the available balance at once and can never exceed it; each pending transfer is resolved
 * exactly once, whoever races to resolve it; the rows cannot be changed afterwards.
 */
class LedgerPendingTest extends WalletIntegrationTest {
    private static final String RESTRICT_VIOLATION = "23001";
    private static final String CLEARING = "test_pending_clearing";

    @Autowired
    LedgerVerifier verifier;

    /** A wallet and its owner (the ledger has no users of its own: any id will do). */
    record Wallet(UUID owner, UUID id) {}

    @Test
    void pendingCredit_raisesPendingNotAvailable_andPostingItMovesTheMoneyOnce() {
        Wallet wallet = wallet();
        UUID clearing = clearing();
        long clearingPostedBefore = posted(clearing);

        PendingResult result = pend(clearing, wallet.id(), 25_00);

        assertThat(result).isInstanceOf(PendingResult.Pending.class);
        PendingTransfer pending = ((PendingResult.Pending) result).transfer();
        assertThat(balance(wallet)).isEqualTo(new Balance("USD", 0, 25_00, 0));
        assertThat(balance(wallet).availableMinor()).isZero();
        assertThat(balance(wallet).pendingMinor()).isEqualTo(25_00);
        assertThat(transfersWithReference("pending:" + pending.id())).isZero();
        assertThat(ledger.findPending(pending.id())).contains(pending);

        Resolution posted = transactions.run(() -> ledger.postPending(pending.id()));

        assertThat(posted.outcome()).isEqualTo(Resolution.POSTED);
        assertThat(posted.now()).isTrue();
        assertThat(posted.transfer()).isNotNull();
        assertThat(posted.transfer().amountMinor()).isEqualTo(25_00);
        assertThat(posted.transfer().fromAccountId()).isEqualTo(clearing);
        assertThat(posted.transfer().toAccountId()).isEqualTo(wallet.id());
        assertThat(referenceOf(posted.transfer().id())).isEqualTo("pending:" + pending.id());
        assertThat(balance(wallet)).isEqualTo(new Balance("USD", 25_00, 0, 0));
        assertThat(posted(clearing)).isEqualTo(clearingPostedBefore - 25_00);

        Resolution postedAgain = transactions.run(() -> ledger.postPending(pending.id()));
        Resolution voidedAfter = transactions.run(() -> ledger.voidPending(pending.id()));

        for (Resolution late : List.of(postedAgain, voidedAfter)) {
            assertThat(late.now()).isFalse();
            assertThat(late.outcome()).isEqualTo(Resolution.POSTED);
            assertThat(late.transfer().id()).isEqualTo(posted.transfer().id());
        }
        assertThat(balance(wallet)).isEqualTo(new Balance("USD", 25_00, 0, 0));
        assertThat(posted(clearing)).isEqualTo(clearingPostedBefore - 25_00);
        assertThat(transfersWithReference("pending:" + pending.id())).isEqualTo(1);
        assertThat(resolutionsOf(pending.id())).isEqualTo(1);
    }

    @Test
    void voidedCredit_movesNothing_andCannotBePostedAfterwards() {
        Wallet wallet = wallet();
        UUID clearing = clearing();
        PendingTransfer pending = ((PendingResult.Pending) pend(clearing, wallet.id(), 12_34)).transfer();
        assertThat(balance(wallet).pendingMinor()).isEqualTo(12_34);

        Resolution voided = transactions.run(() -> ledger.voidPending(pending.id()));

        assertThat(voided.outcome()).isEqualTo(Resolution.VOIDED);
        assertThat(voided.now()).isTrue();
        assertThat(voided.transfer()).isNull();
        assertThat(balance(wallet)).isEqualTo(new Balance("USD", 0, 0, 0));
        assertThat(pendingDebit(clearing))
                .as("the clearing account's side is released too")
                .isEqualTo(pendingDebitOfUnresolved(clearing));

        Resolution postedAfter = transactions.run(() -> ledger.postPending(pending.id()));
        Resolution voidedAgain = transactions.run(() -> ledger.voidPending(pending.id()));

        for (Resolution late : List.of(postedAfter, voidedAgain)) {
            assertThat(late.now()).isFalse();
            assertThat(late.outcome()).isEqualTo(Resolution.VOIDED);
            assertThat(late.transfer()).isNull();
        }
        assertThat(balance(wallet)).isEqualTo(new Balance("USD", 0, 0, 0));
        assertThat(transfersWithReference("pending:" + pending.id())).isZero();
        assertThat(transfersInvolving(wallet.id())).isZero();
        assertThat(resolutionsOf(pending.id())).isEqualTo(1);
    }

    @Test
    void theSameReferenceTwice_isPendingOnce() {
        Wallet wallet = wallet();
        UUID clearing = clearing();
        String reference = "test-pending-" + UUID.randomUUID();
        TransferCommand command =
                new TransferCommand(clearing, wallet.id(), 7_00, "USD", "test_pending", reference, null, null);

        PendingResult first = transactions.run(() -> ledger.pend(command));
        PendingResult second = transactions.run(() -> ledger.pend(command));

        assertThat(first).isInstanceOf(PendingResult.Pending.class);
        assertThat(second).isInstanceOf(PendingResult.AlreadyPending.class);
        assertThat(((PendingResult.AlreadyPending) second).transfer().id())
                .isEqualTo(((PendingResult.Pending) first).transfer().id());
        assertThat(balance(wallet).pendingMinor()).isEqualTo(7_00);
    }

    @Test
    void hold_lowersAvailableAtOnce_refusesMoreThanAvailable_andPostingItKeepsAvailable() {
        Wallet wallet = fundedWallet(50_00);
        UUID clearing = clearing();

        PendingTransfer hold = ((PendingResult.Pending) pend(wallet.id(), clearing, 20_00)).transfer();

        assertThat(balance(wallet)).isEqualTo(new Balance("USD", 50_00, 0, 20_00));
        assertThat(balance(wallet).availableMinor()).isEqualTo(30_00);
        assertThat(balance(wallet).pendingMinor())
                .as("a hold is not money on its way in")
                .isZero();

        PendingResult tooMuch = pend(wallet.id(), clearing, 30_01);

        assertThat(tooMuch).isEqualTo(new PendingResult.InsufficientFunds(30_00));
        assertThat(balance(wallet)).isEqualTo(new Balance("USD", 50_00, 0, 20_00));
        // A payment cannot spend the held money either.
        UUID payee = wallet().id();
        TransferResult payment = transactions.run(
                () -> ledger.post(new TransferCommand(wallet.id(), payee, 30_01, "USD", "p2p", null, null, "private")));
        assertThat(payment).isEqualTo(new TransferResult.InsufficientFunds(30_00));

        Resolution posted = transactions.run(() -> ledger.postPending(hold.id()));

        assertThat(posted.now()).isTrue();
        assertThat(balance(wallet)).isEqualTo(new Balance("USD", 30_00, 0, 0));
        assertThat(verifier.verify().problems()).isEmpty();
    }

    @Test
    void holdOfTheWholeBalance_canBePosted_andVoided() {
        Wallet posting = fundedWallet(40_00);
        Wallet voiding = fundedWallet(40_00);
        UUID clearing = clearing();
        PendingTransfer postedHold = ((PendingResult.Pending) pend(posting.id(), clearing, 40_00)).transfer();
        PendingTransfer voidedHold = ((PendingResult.Pending) pend(voiding.id(), clearing, 40_00)).transfer();
        assertThat(balance(posting).availableMinor()).isZero();
        assertThat(pend(posting.id(), clearing, 1)).isEqualTo(new PendingResult.InsufficientFunds(0));

        Resolution posted = transactions.run(() -> ledger.postPending(postedHold.id()));
        Resolution voided = transactions.run(() -> ledger.voidPending(voidedHold.id()));

        assertThat(posted.outcome()).isEqualTo(Resolution.POSTED);
        assertThat(balance(posting)).isEqualTo(new Balance("USD", 0, 0, 0));
        assertThat(voided.outcome()).isEqualTo(Resolution.VOIDED);
        assertThat(balance(voiding)).isEqualTo(new Balance("USD", 40_00, 0, 0));
        assertThat(verifier.verify().problems()).isEmpty();
    }

    @Test
    void eightThreadsRacingToPostAndVoidOnePendingTransfer_resolveItExactlyOnce() throws Exception {
        for (int round = 0; round < 10; round++) {
            Wallet wallet = fundedWallet(100_00);
            UUID clearing = clearing();
            PendingTransfer hold = ((PendingResult.Pending) pend(wallet.id(), clearing, 60_00)).transfer();
            List<Resolution> resolutions = Race.run(
                    8,
                    racer -> () -> transactions.run(
                            () -> racer % 2 == 0 ? ledger.postPending(hold.id()) : ledger.voidPending(hold.id())));

            assertThat(resolutions)
                    .as("round %d", round)
                    .filteredOn(Resolution::now)
                    .hasSize(1);
            String outcome = resolutions.stream()
                    .filter(Resolution::now)
                    .findFirst()
                    .orElseThrow()
                    .outcome();
            assertThat(resolutions)
                    .as("every racer sees the one outcome")
                    .allSatisfy(resolution -> assertThat(resolution.outcome()).isEqualTo(outcome));
            assertThat(resolutionsOf(hold.id())).isEqualTo(1);
            if (outcome.equals(Resolution.POSTED)) {
                UUID transfer = resolutions.stream()
                        .filter(Resolution::now)
                        .findFirst()
                        .orElseThrow()
                        .transfer()
                        .id();
                assertThat(resolutions)
                        .allSatisfy(resolution ->
                                assertThat(resolution.transfer().id()).isEqualTo(transfer));
                assertThat(balance(wallet)).isEqualTo(new Balance("USD", 40_00, 0, 0));
                assertThat(transfersWithReference("pending:" + hold.id())).isEqualTo(1);
            } else {
                assertThat(resolutions)
                        .allSatisfy(
                                resolution -> assertThat(resolution.transfer()).isNull());
                assertThat(balance(wallet)).isEqualTo(new Balance("USD", 100_00, 0, 0));
                assertThat(transfersWithReference("pending:" + hold.id())).isZero();
            }
        }
        assertThat(verifier.verify().problems()).isEmpty();
    }

    @Test
    void twentyConcurrentHoldsOnOneWallet_neverExceedItsBalance() throws Exception {
        int holds = 20;
        long funded = 100_00;
        long each = 7_00;
        Wallet wallet = fundedWallet(funded);
        UUID clearing = clearing();
        List<PendingResult> results = Race.run(holds, racer -> () -> pend(wallet.id(), clearing, each));

        long held =
                results.stream().filter(PendingResult.Pending.class::isInstance).count();
        long refused = results.stream()
                .filter(PendingResult.InsufficientFunds.class::isInstance)
                .count();
        assertThat(held).as("as many holds as the balance covers").isEqualTo(funded / each);
        assertThat(refused).isEqualTo(holds - funded / each);
        assertThat(balance(wallet)).isEqualTo(new Balance("USD", funded, 0, held * each));
        assertThat(balance(wallet).availableMinor()).isEqualTo(funded % each).isNotNegative();
        assertThat(pendingTransfersFrom(wallet.id())).isEqualTo(held);
        assertThat(verifier.verify().problems()).isEmpty();
    }

    @Test
    void updateDeleteAndTruncateOfPendingTransfersAndResolutions_areRefusedByTheDatabase() {
        Wallet wallet = fundedWallet(30_00);
        UUID clearing = clearing();
        PendingTransfer resolved = ((PendingResult.Pending) pend(wallet.id(), clearing, 10_00)).transfer();
        PendingTransfer open = ((PendingResult.Pending) pend(wallet.id(), clearing, 5_00)).transfer();
        transactions.run(() -> ledger.voidPending(resolved.id()));
        String pendingRow = row("ledger_pending_transfers", "id", open.id());
        String resolutionRow = row("ledger_pending_resolutions", "pending_id", resolved.id());

        assertRejected("UPDATE ledger_pending_transfers SET amount_minor = 1 WHERE id = ?", open.id());
        assertRejected(
                "UPDATE ledger_pending_transfers SET to_account_id = from_account_id, from_account_id = to_account_id WHERE id = ?",
                open.id());
        assertRejected("DELETE FROM ledger_pending_transfers WHERE id = ?", open.id());
        assertRejected("UPDATE ledger_pending_resolutions SET outcome = 'posted' WHERE pending_id = ?", resolved.id());
        assertRejected("UPDATE ledger_pending_resolutions SET resolved_at = now() WHERE pending_id = ?", resolved.id());
        assertRejected("DELETE FROM ledger_pending_resolutions WHERE pending_id = ?", resolved.id());
        assertRejected("TRUNCATE ledger_pending_resolutions");
        assertRejected("TRUNCATE ledger_pending_transfers CASCADE");

        assertThat(row("ledger_pending_transfers", "id", open.id())).isEqualTo(pendingRow);
        assertThat(row("ledger_pending_resolutions", "pending_id", resolved.id()))
                .isEqualTo(resolutionRow);
        assertThat(balance(wallet)).isEqualTo(new Balance("USD", 30_00, 0, 5_00));
        assertThat(verifier.verify().problems()).isEmpty();
    }

    @Test
    void verifier_reportsAPendingBalanceThatDriftedFromThePendingTransfers() {
        Wallet wallet = wallet();
        pend(clearing(), wallet.id(), 3_00);
        assertThat(verifier.verify().problems()).isEmpty();

        jdbc.sql("UPDATE ledger_accounts SET pending_credit_minor = pending_credit_minor + 1 WHERE id = ?")
                .param(wallet.id())
                .update();
        try {
            assertThat(verifier.verify().problems())
                    .anySatisfy(problem -> assertThat(problem)
                            .contains("pending balance differs")
                            .contains(wallet.id().toString())
                            .contains("pending credit 301 vs 300"));
        } finally {
            jdbc.sql("UPDATE ledger_accounts SET pending_credit_minor = pending_credit_minor - 1 WHERE id = ?")
                    .param(wallet.id())
                    .update();
        }
        assertThat(verifier.verify().problems()).isEmpty();
    }

    private PendingResult pend(UUID from, UUID to, long amountMinor) {
        return transactions.run(() -> ledger.pend(new TransferCommand(
                from, to, amountMinor, "USD", "test_pending", "test-pending-" + UUID.randomUUID(), null, null)));
    }

    private Wallet wallet() {
        UUID owner = UUID.randomUUID();
        return new Wallet(owner, transactions.run(() -> ledger.openWallet(owner, "USD")));
    }

    private Wallet fundedWallet(long minor) {
        Wallet wallet = wallet();
        TransferResult result = transactions.run(() -> ledger.post(new TransferCommand(
                ledger.systemAccount("test_funding", "USD"),
                wallet.id(),
                minor,
                "USD",
                "test_funding",
                null,
                null,
                "private")));
        assertThat(result).isInstanceOf(TransferResult.Posted.class);
        return wallet;
    }

    private UUID clearing() {
        return transactions.run(() -> ledger.systemAccount(CLEARING, "USD"));
    }

    private Balance balance(Wallet wallet) {
        return ledger.balanceOf(wallet.owner(), "USD").orElseThrow();
    }

    private long posted(UUID account) {
        return jdbc.sql("SELECT posted_minor FROM ledger_accounts WHERE id = ?")
                .param(account)
                .query(Long.class)
                .single();
    }

    private long pendingDebit(UUID account) {
        return jdbc.sql("SELECT pending_debit_minor FROM ledger_accounts WHERE id = ?")
                .param(account)
                .query(Long.class)
                .single();
    }

    private long pendingDebitOfUnresolved(UUID account) {
        return jdbc.sql("""
                SELECT coalesce(sum(amount_minor), 0) FROM ledger_pending_transfers t
                 WHERE from_account_id = ? AND NOT EXISTS (SELECT 1 FROM ledger_pending_resolutions r WHERE r.pending_id = t.id)
                """).param(account).query(Long.class).single();
    }

    private String referenceOf(UUID transfer) {
        return jdbc.sql("SELECT reference FROM ledger_transfers WHERE id = ?")
                .param(transfer)
                .query(String.class)
                .single();
    }

    private long transfersWithReference(String reference) {
        return jdbc.sql("SELECT count(*) FROM ledger_transfers WHERE reference = ?")
                .param(reference)
                .query(Long.class)
                .single();
    }

    private long transfersInvolving(UUID account) {
        return jdbc.sql("SELECT count(*) FROM ledger_transfers WHERE from_account_id = ? OR to_account_id = ?")
                .params(account, account)
                .query(Long.class)
                .single();
    }

    private long resolutionsOf(UUID pending) {
        return jdbc.sql("SELECT count(*) FROM ledger_pending_resolutions WHERE pending_id = ?")
                .param(pending)
                .query(Long.class)
                .single();
    }

    private long pendingTransfersFrom(UUID account) {
        return jdbc.sql("SELECT count(*) FROM ledger_pending_transfers WHERE from_account_id = ?")
                .param(account)
                .query(Long.class)
                .single();
    }

    private String row(String table, String key, UUID id) {
        return jdbc.sql("SELECT r::text FROM " + table + " r WHERE " + key + " = ?")
                .param(id)
                .query(String.class)
                .single();
    }

    private void assertRejected(String sql, Object... params) {
        Throwable failure = catchThrowable(() -> jdbc.sql(sql).params(params).update());
        assertThat(failure).as(sql).isNotNull();
        assertThat(Transactions.sqlState(failure)).as("%s: %s", sql, failure).isEqualTo(RESTRICT_VIOLATION);
    }
}
