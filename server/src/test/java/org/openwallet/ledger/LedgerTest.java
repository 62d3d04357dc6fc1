package org.openwallet.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.openwallet.Race;
import org.openwallet.WalletIntegrationTest;
import org.springframework.beans.factory.annotation.Autowired;

/** The ledger service on its own: transactions required, no deadlock reaching a caller, references, funds, system accounts. */
class LedgerTest extends WalletIntegrationTest {
    @Autowired
    LedgerVerifier verifier;

    @Test
    void postOutsideATransaction_throwsIllegalStateException_andWritesNothing() {
        UUID from = fundedWallet(10_00);
        UUID to = wallet();

        assertThatThrownBy(() -> ledger.post(new TransferCommand(from, to, 1_00, "USD", "p2p", null, null, "private")))
                .isInstanceOf(IllegalStateException.class);

        assertThat(transfersInvolving(to)).isZero();
        assertThat(posted(from)).isEqualTo(10_00);
    }

    @Test
    void openWalletAndSystemAccountOutsideATransaction_throwIllegalStateException() {
        assertThatThrownBy(() -> ledger.openWallet(UUID.randomUUID(), "USD")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> ledger.systemAccount("test_outside_" + UUID.randomUUID(), "USD"))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void oppositeTransfersBetweenTwoAccountsFromTwoThreads_neverDeadlockToTheCaller_andConserveMoney()
            throws Exception {
        int perThread = 500;
        long funding = 100_00;
        UUID a = fundedWallet(funding);
        UUID b = fundedWallet(funding);
        AtomicLong posted = new AtomicLong();
        List<Long> moved = Race.run(2, racer -> () -> {
            UUID from = racer == 0 ? a : b;
            UUID to = racer == 0 ? b : a;
            long sent = 0;
            for (int i = 0; i < perThread; i++) {
                long amount = ThreadLocalRandom.current().nextLong(1, 5_00);
                TransferResult result = transactions.run(() -> ledger.post(
                        new TransferCommand(from, to, amount, "USD", "test_opposite", null, null, "private")));
                if (result instanceof TransferResult.Posted) {
                    sent += amount;
                    posted.incrementAndGet();
                } else {
                    assertThat(result).isInstanceOf(TransferResult.InsufficientFunds.class);
                }
            }
            return sent;
        });
        long aToB = moved.get(0);
        long bToA = moved.get(1);

        assertThat(posted.get()).as("most transfers posted").isGreaterThan(perThread);
        assertThat(posted(a) + posted(b)).isEqualTo(2 * funding);
        assertThat(posted(a)).isEqualTo(funding - aToB + bToA);
        assertThat(posted(b)).isEqualTo(funding - bToA + aToB);
        assertThat(postingsSum(a)).isEqualTo(posted(a));
        assertThat(postingsSum(b)).isEqualTo(posted(b));
        assertThat(verifier.verify().problems()).isEmpty();
    }

    @Test
    void transferWithAReference_postsOnce_andTheSecondReturnsAlreadyPosted() {
        UUID from = fundedWallet(10_00);
        UUID to = wallet();
        String reference = "test-ref-" + UUID.randomUUID();
        TransferCommand command =
                new TransferCommand(from, to, 3_00, "USD", "test_reference", reference, null, "private");

        TransferResult first = transactions.run(() -> ledger.post(command));
        TransferResult second = transactions.run(() -> ledger.post(command));

        assertThat(first).isInstanceOf(TransferResult.Posted.class);
        assertThat(second).isInstanceOf(TransferResult.AlreadyPosted.class);
        assertThat(((TransferResult.AlreadyPosted) second).transfer().id())
                .isEqualTo(((TransferResult.Posted) first).transfer().id());
        assertThat(posted(from)).isEqualTo(7_00);
        assertThat(posted(to)).isEqualTo(3_00);
        assertThat(jdbc.sql("SELECT count(*) FROM ledger_transfers WHERE reference = ?")
                        .param(reference)
                        .query(Long.class)
                        .single())
                .isEqualTo(1);
    }

    @Test
    void transferWithAReferencePostedConcurrently_postsOnce_andTheOthersReturnAlreadyPosted() throws Exception {
        int callers = 8;
        UUID from = fundedWallet(10_00);
        UUID to = wallet();
        String reference = "test-ref-" + UUID.randomUUID();
        TransferCommand command =
                new TransferCommand(from, to, 3_00, "USD", "test_reference", reference, null, "private");
        List<TransferResult> results = Race.run(callers, racer -> () -> transactions.run(() -> ledger.post(command)));

        assertThat(results).filteredOn(TransferResult.Posted.class::isInstance).hasSize(1);
        assertThat(results)
                .filteredOn(TransferResult.AlreadyPosted.class::isInstance)
                .hasSize(callers - 1);
        assertThat(posted(from)).isEqualTo(7_00);
        assertThat(posted(to)).isEqualTo(3_00);
    }

    @Test
    void insufficientFunds_returnsInsufficientFunds_withTheAvailableBalance_andWritesNothing() {
        UUID from = fundedWallet(10_00);
        UUID to = wallet();
        long transfersBefore = transfersInvolving(from);

        TransferResult result = transactions.run(
                () -> ledger.post(new TransferCommand(from, to, 10_01, "USD", "p2p", null, null, "private")));

        assertThat(result).isEqualTo(new TransferResult.InsufficientFunds(10_00));
        assertThat(transfersInvolving(from)).isEqualTo(transfersBefore);
        assertThat(transfersInvolving(to)).isZero();
        assertThat(posted(from)).isEqualTo(10_00);
        assertThat(posted(to)).isZero();
    }

    @Test
    void payingTheWholeBalance_isAllowed_andLeavesExactlyZero() {
        UUID from = fundedWallet(10_00);
        UUID to = wallet();

        TransferResult result = transactions.run(
                () -> ledger.post(new TransferCommand(from, to, 10_00, "USD", "p2p", null, null, "private")));

        assertThat(result).isInstanceOf(TransferResult.Posted.class);
        assertThat(posted(from)).isZero();
        assertThat(posted(to)).isEqualTo(10_00);
        assertThat(ledger.balanceOf(ownerOf(from), "USD").orElseThrow().availableMinor())
                .isZero();
    }

    @Test
    void aSystemAccountMayGoNegative() {
        UUID system = transactions.run(() -> ledger.systemAccount("test_negative_" + UUID.randomUUID(), "USD"));
        UUID to = wallet();

        TransferResult result = transactions.run(() ->
                ledger.post(new TransferCommand(system, to, 50_00, "USD", "test_issuance", null, null, "private")));

        assertThat(result).isInstanceOf(TransferResult.Posted.class);
        assertThat(posted(system)).isEqualTo(-50_00);
        assertThat(posted(to)).isEqualTo(50_00);
        assertThat(postingsSum(system)).isEqualTo(-50_00);
    }

    private UUID wallet() {
        return transactions.run(() -> ledger.openWallet(UUID.randomUUID(), "USD"));
    }

    private UUID fundedWallet(long minor) {
        UUID wallet = wallet();
        TransferResult result = transactions.run(() -> ledger.post(new TransferCommand(
                ledger.systemAccount("test_funding", "USD"),
                wallet,
                minor,
                "USD",
                "test_funding",
                null,
                null,
                "private")));
        assertThat(result).isInstanceOf(TransferResult.Posted.class);
        return wallet;
    }

    private UUID ownerOf(UUID account) {
        return jdbc.sql("SELECT owner_user_id FROM ledger_accounts WHERE id = ?")
                .param(account)
                .query(UUID.class)
                .single();
    }

    private long posted(UUID account) {
        return jdbc.sql("SELECT posted_minor FROM ledger_accounts WHERE id = ?")
                .param(account)
                .query(Long.class)
                .single();
    }

    private long postingsSum(UUID account) {
        return jdbc.sql("SELECT coalesce(sum(amount_minor), 0) FROM ledger_postings WHERE account_id = ?")
                .param(account)
                .query(Long.class)
                .single();
    }

    private long transfersInvolving(UUID account) {
        return jdbc.sql("SELECT count(*) FROM ledger_transfers WHERE from_account_id = ? OR to_account_id = ?")
                .params(account, account)
                .query(Long.class)
                .single();
    }
}
