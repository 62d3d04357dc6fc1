package org.openwallet.funding;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.openwallet.Api;
import org.openwallet.LedgerTestSupport;
import org.openwallet.Race;
import org.openwallet.WalletIntegrationTest;
import org.openwallet.ledger.LedgerVerifier;
import org.openwallet.platform.EmbeddedBankSimulator;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The bank clearing and fee revenue accounts are spread over sub-accounts, so concurrent funding
 * does not queue on one row: many deposits, withdrawals and fees at once all complete, money is
 * conserved, and their postings land on several sub-accounts whose sum is the account's balance.
 */
class SystemSubAccountsTest extends WalletIntegrationTest {
    private static final int RACERS = 16;

    @Autowired
    Funding funding;

    @Autowired
    LedgerVerifier verifier;

    @Autowired
    EmbeddedBankSimulator bank;

    @Test
    void concurrentDepositsSettlementsWithdrawalsAndFees_spreadOverSubAccounts_andConserveMoney() throws Exception {
        FundingClient client = new FundingClient(api, jdbc, bank);
        List<Api.User> users = new ArrayList<>();
        List<UUID> accounts = new ArrayList<>();
        for (int i = 0; i < RACERS; i++) {
            Api.User user = api.newUser();
            LedgerTestSupport.fund(transactions, ledger, user.id(), 10_000);
            users.add(user);
            accounts.add(client.link(user));
        }

        // Not asserted (timing on a shared machine is noise), printed for the record: how often a
        // funding transaction was seen waiting for a row lock while the race ran.
        LockWaitSampler waits = LockWaitSampler.start(jdbc);
        long started = System.nanoTime();
        List<List<UUID>> requests = Race.run(RACERS, racer -> () -> {
            Api.User user = users.get(racer);
            UUID deposit = client.pendingDeposit(user, accounts.get(racer), "10.00");
            decide(deposit, FundingRequest.SETTLED);
            UUID withdrawal = client.pendingWithdrawal(user, accounts.get(racer), "20.00", "instant");
            // Half are returned by the bank: their hold is voided and their fee refunded from fee revenue.
            decide(withdrawal, racer % 2 == 0 ? FundingRequest.SETTLED : FundingRequest.RETURNED);
            return List.of(deposit, withdrawal);
        });
        System.out.printf(
                "SystemSubAccountsTest: %d racers, %d sub-accounts: %d ms; %s%n",
                RACERS, SystemAccounts.SUB_ACCOUNTS, (System.nanoTime() - started) / 1_000_000, waits.stop());

        for (int racer = 0; racer < RACERS; racer++) {
            // 100.00 + 10.00 deposited - 20.00 withdrawn - 0.35 instant fee (1.75 %), or all of it back when returned.
            assertThat(api.available(users.get(racer)))
                    .as("user " + racer)
                    .isEqualTo(racer % 2 == 0 ? "89.65" : "110.00");
        }
        List<UUID> ids = requests.stream().flatMap(List::stream).toList();
        int clearingRows = distinctSystemAccountsPostedTo(SystemAccounts.BANK_CLEARING, ids);
        int feeRows = distinctSystemAccountsPostedTo(SystemAccounts.FEE_REVENUE, ids);
        // 32 clearing movements over 16 sub-accounts, 16 fees and 8 refunds: one row each would be 1 and 1.
        assertThat(clearingRows).as("bank clearing sub-accounts posted to").isGreaterThanOrEqualTo(4);
        assertThat(feeRows).as("fee revenue sub-accounts posted to").isGreaterThanOrEqualTo(3);
        assertThat(jdbc.sql(
                                "SELECT count(*) FROM ledger_accounts WHERE kind = 'system' AND name = ? AND currency = 'USD'")
                        .param(SystemAccounts.BANK_CLEARING)
                        .query(Integer.class)
                        .single())
                .isLessThanOrEqualTo(SystemAccounts.SUB_ACCOUNTS);

        for (String name : List.of(SystemAccounts.BANK_CLEARING, SystemAccounts.FEE_REVENUE)) {
            long postings = jdbc.sql("""
                    SELECT coalesce(sum(p.amount_minor), 0) FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id
                     WHERE a.kind = 'system' AND a.name = ? AND a.currency = 'USD'""").param(name).query(Long.class).single();
            assertThat(transactions.run(() -> ledger.systemBalance(name, "USD")).postedMinor())
                    .as(name + " reads as the sum of its sub-accounts")
                    .isEqualTo(postings);
        }
        LedgerVerifier.Report report = verifier.verify();
        assertThat(report.problems()).isEmpty();
        assertThat(report.totalMinor()).as("the whole ledger sums to zero").isZero();
    }

    @Test
    void subAccountZero_isTheAccountsOriginalRow_andAKeyAlwaysPicksTheSameSubAccount() {
        UUID original = transactions.run(() -> ledger.systemAccount(SystemAccounts.BANK_CLEARING, "USD"));
        assertThat(transactions.run(() -> ledger.systemAccount(SystemAccounts.BANK_CLEARING, "USD", 0)))
                .isEqualTo(original);
        UUID key = UUID.randomUUID();
        UUID first = transactions.run(() -> SystemAccounts.bankClearing(ledger, "USD", key));
        assertThat(transactions.run(() -> SystemAccounts.bankClearing(ledger, "USD", key)))
                .isEqualTo(first);
        assertThat(SystemAccounts.subAccountOf(key)).isBetween(0, SystemAccounts.SUB_ACCOUNTS - 1);
    }

    /** Samples pg_locks every few milliseconds for lock requests not granted, on a thread of its own. */
    private static final class LockWaitSampler {
        private final Thread thread;
        private volatile boolean running = true;
        private long samples;
        private long samplesWithWaits;
        private long maxWaiting;

        private LockWaitSampler(org.springframework.jdbc.core.simple.JdbcClient jdbc) {
            thread = Thread.ofPlatform().daemon().start(() -> {
                while (running) {
                    long waiting = jdbc.sql(
                                    "SELECT count(*) FROM pg_locks WHERE NOT granted AND locktype IN ('transactionid', 'tuple')")
                            .query(Long.class)
                            .single();
                    samples++;
                    samplesWithWaits += waiting > 0 ? 1 : 0;
                    maxWaiting = Math.max(maxWaiting, waiting);
                    org.openwallet.Eventually.pause(java.time.Duration.ofMillis(5));
                }
            });
        }

        static LockWaitSampler start(org.springframework.jdbc.core.simple.JdbcClient jdbc) {
            return new LockWaitSampler(jdbc);
        }

        String stop() throws InterruptedException {
            running = false;
            thread.join();
            return "row-lock waits seen in " + samplesWithWaits + " of " + samples + " samples, at most " + maxWaiting
                    + " waiting at once";
        }
    }

    private void decide(UUID requestId, String outcome) {
        assertThat(transactions.run(() -> funding.applyOutcome(
                        requestId,
                        outcome,
                        outcome.equals(FundingRequest.SETTLED) ? null : "R02",
                        "test-" + requestId,
                        Instant.now())))
                .isTrue();
    }

    /** How many rows of the system account {@code name} the requests' ledger transfers posted to. */
    private int distinctSystemAccountsPostedTo(String name, List<UUID> requestIds) {
        return jdbc.sql("""
                SELECT count(DISTINCT p.account_id)
                  FROM funding_requests r
                  JOIN ledger_transfers t ON t.reference IN ('pending:' || r.pending_transfer_id, 'fee:' || r.id, 'fee-refund:' || r.id)
                  JOIN ledger_postings p ON p.transfer_id = t.id
                  JOIN ledger_accounts a ON a.id = p.account_id
                 WHERE r.id = ANY(?) AND a.kind = 'system' AND a.name = ?""")
                .params(requestIds.toArray(UUID[]::new), name)
                .query(Integer.class)
                .single();
    }
}
