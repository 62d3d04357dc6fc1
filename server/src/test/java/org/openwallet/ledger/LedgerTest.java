package org.openwallet.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.openwallet.WalletIntegrationTest;
import org.openwallet.platform.Transactions;
import org.springframework.beans.factory.annotation.Autowired;

/** The ledger service on its own: transactions required, no deadlock reaching a caller, references, funds, system accounts. */
class LedgerTest extends WalletIntegrationTest {
    @Autowired
    Ledger ledger;
    @Autowired
    Transactions transactions;
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
        assertThatThrownBy(() -> ledger.systemAccount("test_outside_" + UUID.randomUUID(), "USD")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void oppositeTransfersBetweenTwoAccountsFromTwoThreads_neverDeadlockToTheCaller_andConserveMoney() throws Exception {
        int perThread = 500;
        long funding = 100_00;
        UUID a = fundedWallet(funding);
        UUID b = fundedWallet(funding);
        AtomicLong aToB = new AtomicLong();
        AtomicLong bToA = new AtomicLong();
        AtomicLong posted = new AtomicLong();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService executor = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> threads = new ArrayList<>();
            for (UUID[] direction : new UUID[][] {{a, b}, {b, a}}) {
                AtomicLong moved = direction[0] == a ? aToB : bToA;
                threads.add(executor.submit(() -> {
                    go.await();
                    for (int i = 0; i < perThread; i++) {
                        long amount = ThreadLocalRandom.current().nextLong(1, 5_00);
                        try {
                            TransferResult result = transactions.run(() -> ledger.post(
                                    new TransferCommand(direction[0], direction[1], amount, "USD", "test_opposite", null, null, "private")));
                            if (result instanceof TransferResult.Posted) {
                                moved.addAndGet(amount);
                                posted.incrementAndGet();
                            } else if (!(result instanceof TransferResult.InsufficientFunds)) {
                                failures.add(new AssertionError("unexpected result " + result));
                            }
                        } catch (Throwable failure) {
                            failures.add(failure);
                        }
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> thread : threads) {
                thread.get(5, TimeUnit.MINUTES);
            }
        } finally {
            executor.shutdownNow();
        }

        assertThat(failures).as("exceptions that reached the caller").isEmpty();
        assertThat(posted.get()).as("most transfers posted").isGreaterThan(perThread);
        assertThat(posted(a) + posted(b)).isEqualTo(2 * funding);
        assertThat(posted(a)).isEqualTo(funding - aToB.get() + bToA.get());
        assertThat(posted(b)).isEqualTo(funding - bToA.get() + aToB.get());
        assertThat(postingsSum(a)).isEqualTo(posted(a));
        assertThat(postingsSum(b)).isEqualTo(posted(b));
        assertThat(verifier.verify().problems()).isEmpty();
    }

    @Test
    void transferWithAReference_postsOnce_andTheSecondReturnsAlreadyPosted() {
        UUID from = fundedWallet(10_00);
        UUID to = wallet();
        String reference = "test-ref-" + UUID.randomUUID();
        TransferCommand command = new TransferCommand(from, to, 3_00, "USD", "test_reference", reference, null, "private");

        TransferResult first = transactions.run(() -> ledger.post(command));
        TransferResult second = transactions.run(() -> ledger.post(command));

        assertThat(first).isInstanceOf(TransferResult.Posted.class);
        assertThat(second).isInstanceOf(TransferResult.AlreadyPosted.class);
        assertThat(((TransferResult.AlreadyPosted) second).transfer().id()).isEqualTo(((TransferResult.Posted) first).transfer().id());
        assertThat(posted(from)).isEqualTo(7_00);
        assertThat(posted(to)).isEqualTo(3_00);
        assertThat(jdbc.sql("SELECT count(*) FROM ledger_transfers WHERE reference = ?").param(reference).query(Long.class).single())
                .isEqualTo(1);
    }

    @Test
    void transferWithAReferencePostedConcurrently_postsOnce_andTheOthersReturnAlreadyPosted() throws Exception {
        int callers = 8;
        UUID from = fundedWallet(10_00);
        UUID to = wallet();
        String reference = "test-ref-" + UUID.randomUUID();
        TransferCommand command = new TransferCommand(from, to, 3_00, "USD", "test_reference", reference, null, "private");
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService executor = Executors.newFixedThreadPool(callers);
        List<TransferResult> results = new ArrayList<>();
        try {
            List<Future<TransferResult>> futures = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                futures.add(executor.submit(() -> {
                    go.await();
                    return transactions.run(() -> ledger.post(command));
                }));
            }
            go.countDown();
            for (Future<TransferResult> future : futures) {
                results.add(future.get(1, TimeUnit.MINUTES));
            }
        } finally {
            executor.shutdownNow();
        }

        assertThat(results).filteredOn(TransferResult.Posted.class::isInstance).hasSize(1);
        assertThat(results).filteredOn(TransferResult.AlreadyPosted.class::isInstance).hasSize(callers - 1);
        assertThat(posted(from)).isEqualTo(7_00);
        assertThat(posted(to)).isEqualTo(3_00);
    }

    @Test
    void insufficientFunds_returnsInsufficientFunds_withTheAvailableBalance_andWritesNothing() {
        UUID from = fundedWallet(10_00);
        UUID to = wallet();
        long transfersBefore = transfersInvolving(from);

        TransferResult result = transactions.run(() -> ledger.post(
                new TransferCommand(from, to, 10_01, "USD", "p2p", null, null, "private")));

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

        TransferResult result = transactions.run(() -> ledger.post(
                new TransferCommand(from, to, 10_00, "USD", "p2p", null, null, "private")));

        assertThat(result).isInstanceOf(TransferResult.Posted.class);
        assertThat(posted(from)).isZero();
        assertThat(posted(to)).isEqualTo(10_00);
        assertThat(ledger.balanceOf(ownerOf(from), "USD").orElseThrow().availableMinor()).isZero();
    }

    @Test
    void aSystemAccountMayGoNegative() {
        UUID system = transactions.run(() -> ledger.systemAccount("test_negative_" + UUID.randomUUID(), "USD"));
        UUID to = wallet();

        TransferResult result = transactions.run(() -> ledger.post(
                new TransferCommand(system, to, 50_00, "USD", "test_issuance", null, null, "private")));

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
                ledger.systemAccount("test_funding", "USD"), wallet, minor, "USD", "test_funding", null, null, "private")));
        assertThat(result).isInstanceOf(TransferResult.Posted.class);
        return wallet;
    }

    private UUID ownerOf(UUID account) {
        return jdbc.sql("SELECT owner_user_id FROM ledger_accounts WHERE id = ?").param(account).query(UUID.class).single();
    }

    private long posted(UUID account) {
        return jdbc.sql("SELECT posted_minor FROM ledger_accounts WHERE id = ?").param(account).query(Long.class).single();
    }

    private long postingsSum(UUID account) {
        return jdbc.sql("SELECT coalesce(sum(amount_minor), 0) FROM ledger_postings WHERE account_id = ?").param(account).query(Long.class).single();
    }

    private long transfersInvolving(UUID account) {
        return jdbc.sql("SELECT count(*) FROM ledger_transfers WHERE from_account_id = ? OR to_account_id = ?")
                .params(account, account).query(Long.class).single();
    }
}
