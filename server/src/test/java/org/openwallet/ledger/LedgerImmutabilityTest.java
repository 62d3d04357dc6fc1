package org.openwallet.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.openwallet.WalletIntegrationTest;
import org.openwallet.platform.database.Transactions;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The database itself guards the ledger, whatever SQL reaches it: postings and transfers cannot be
 * changed or removed, an unbalanced transfer cannot commit, a wallet cannot go below zero, and a
 * balance that drifts from its postings is reported by the verifier.
 */
class LedgerImmutabilityTest extends WalletIntegrationTest {
    private static final String RESTRICT_VIOLATION = "23001";
    private static final String INTEGRITY_CONSTRAINT_VIOLATION = "23000";
    private static final String CHECK_VIOLATION = "23514";

    @Autowired
    LedgerVerifier verifier;

    @Autowired
    PlatformTransactionManager transactionManager;

    /** A funded wallet and the funding transfer that put the money there. */
    record Funded(UUID wallet, UUID transfer) {}

    @Test
    void updateOfPostings_isRejected_andLeavesThemUnchanged() {
        Funded funded = fundedWallet(50_00);
        List<String> before = postingsOf(funded.transfer());

        assertRejected(
                "UPDATE ledger_postings SET amount_minor = amount_minor * 2 WHERE transfer_id = ?", funded.transfer());
        assertRejected("UPDATE ledger_postings SET account_id = account_id WHERE transfer_id = ?", funded.transfer());

        assertThat(postingsOf(funded.transfer())).isEqualTo(before);
        assertThat(postedOf(funded.wallet())).isEqualTo(50_00);
    }

    @Test
    void deleteFromPostings_isRejected_andLeavesThemUnchanged() {
        Funded funded = fundedWallet(50_00);
        List<String> before = postingsOf(funded.transfer());

        assertRejected("DELETE FROM ledger_postings WHERE transfer_id = ?", funded.transfer());

        assertThat(postingsOf(funded.transfer())).hasSize(2).isEqualTo(before);
        assertThat(postedOf(funded.wallet())).isEqualTo(50_00);
    }

    @Test
    void updateOfTransfers_isRejected_andLeavesThemUnchanged() {
        Funded funded = fundedWallet(50_00);
        String before = transferRow(funded.transfer());

        assertRejected("UPDATE ledger_transfers SET amount_minor = amount_minor + 1 WHERE id = ?", funded.transfer());
        assertRejected("UPDATE ledger_transfers SET note = 'rewritten' WHERE id = ?", funded.transfer());

        assertThat(transferRow(funded.transfer())).isEqualTo(before);
    }

    @Test
    void deleteFromTransfers_isRejected_andLeavesThemUnchanged() {
        Funded funded = fundedWallet(50_00);
        String before = transferRow(funded.transfer());

        assertRejected("DELETE FROM ledger_transfers WHERE id = ?", funded.transfer());

        assertThat(transferRow(funded.transfer())).isEqualTo(before);
        assertThat(postingsOf(funded.transfer())).hasSize(2);
    }

    @Test
    void truncateOfPostingsOrTransfers_isRejected_andLeavesThemUnchanged() {
        Funded funded = fundedWallet(50_00);
        long postings = count("SELECT count(*) FROM ledger_postings");
        long transfers = count("SELECT count(*) FROM ledger_transfers");

        assertRejected("TRUNCATE ledger_postings");
        assertRejected("TRUNCATE ledger_transfers CASCADE");

        assertThat(count("SELECT count(*) FROM ledger_postings")).isEqualTo(postings);
        assertThat(count("SELECT count(*) FROM ledger_transfers")).isEqualTo(transfers);
        assertThat(postingsOf(funded.transfer())).hasSize(2);
    }

    @Test
    void transferWithOnePosting_failsAtCommit_andLeavesNothing() {
        Funded from = fundedWallet(50_00);
        UUID to = emptyWallet();
        UUID transfer = UUID.randomUUID();

        Throwable failure = commitUnbalanced(transfer, from.wallet(), to, 10_00, List.of(new Posting(to, 10_00)));

        assertThat(Transactions.sqlState(failure))
                .as(String.valueOf(failure))
                .isEqualTo(INTEGRITY_CONSTRAINT_VIOLATION);
        assertLeftNothing(transfer, from.wallet(), 50_00, to, 0);
    }

    @Test
    void transferWithNoPostings_failsAtCommit_andLeavesNothing() {
        Funded from = fundedWallet(50_00);
        UUID to = emptyWallet();
        UUID transfer = UUID.randomUUID();

        Throwable failure = commitUnbalanced(transfer, from.wallet(), to, 10_00, List.of());

        assertThat(Transactions.sqlState(failure))
                .as(String.valueOf(failure))
                .isEqualTo(INTEGRITY_CONSTRAINT_VIOLATION);
        assertLeftNothing(transfer, from.wallet(), 50_00, to, 0);
    }

    @Test
    void postingsSummingToNonZero_failAtCommit_andLeaveNothing() {
        Funded from = fundedWallet(50_00);
        UUID to = emptyWallet();
        UUID transfer = UUID.randomUUID();

        Throwable failure = commitUnbalanced(
                transfer,
                from.wallet(),
                to,
                10_00,
                List.of(new Posting(from.wallet(), -10_00), new Posting(to, 10_01)));

        assertThat(Transactions.sqlState(failure))
                .as(String.valueOf(failure))
                .isEqualTo(INTEGRITY_CONSTRAINT_VIOLATION);
        assertLeftNothing(transfer, from.wallet(), 50_00, to, 0);
    }

    @Test
    void balancedPostingsOnAnAccountOutsideTheTransfer_failAtCommit_andLeaveNothing() {
        Funded from = fundedWallet(50_00);
        UUID to = emptyWallet();
        UUID stranger = emptyWallet();
        UUID transfer = UUID.randomUUID();

        Throwable failure = commitUnbalanced(
                transfer,
                from.wallet(),
                to,
                10_00,
                List.of(new Posting(from.wallet(), -10_00), new Posting(stranger, 10_00)));

        assertThat(Transactions.sqlState(failure))
                .as(String.valueOf(failure))
                .isEqualTo(INTEGRITY_CONSTRAINT_VIOLATION);
        assertLeftNothing(transfer, from.wallet(), 50_00, to, 0);
        assertThat(postedOf(stranger)).isZero();
    }

    @Test
    void balancedTransferWrittenBySql_commits_soTheCommitCheckIsNotSimplyRejectingEverything() {
        Funded from = fundedWallet(50_00);
        UUID to = emptyWallet();
        UUID transfer = UUID.randomUUID();

        Throwable failure = commitUnbalanced(
                transfer,
                from.wallet(),
                to,
                10_00,
                List.of(new Posting(from.wallet(), -10_00), new Posting(to, 10_00)));

        assertThat(failure).isNull();
        assertThat(postedOf(from.wallet())).isEqualTo(40_00);
        assertThat(postedOf(to)).isEqualTo(10_00);
        assertThat(verifier.verify().ok()).isTrue();
    }

    @Test
    void settingAWalletBalanceNegative_violatesTheCheckConstraint() {
        Funded funded = fundedWallet(5_00);

        Throwable failure = catchThrowable(() -> jdbc.sql("UPDATE ledger_accounts SET posted_minor = -1 WHERE id = ?")
                .param(funded.wallet())
                .update());

        assertThat(Transactions.sqlState(failure)).as(String.valueOf(failure)).isEqualTo(CHECK_VIOLATION);
        assertThat(postedOf(funded.wallet())).isEqualTo(5_00);
    }

    @Test
    void aPostingThatWouldOverdrawAWallet_violatesTheCheckConstraint_evenWhenWrittenBySql() {
        Funded from = fundedWallet(5_00);
        UUID to = emptyWallet();
        UUID transfer = UUID.randomUUID();

        Throwable failure = commitUnbalanced(
                transfer, from.wallet(), to, 5_01, List.of(new Posting(from.wallet(), -5_01), new Posting(to, 5_01)));

        assertThat(Transactions.sqlState(failure)).as(String.valueOf(failure)).isEqualTo(CHECK_VIOLATION);
        assertLeftNothing(transfer, from.wallet(), 5_00, to, 0);
    }

    @Test
    void verifierDetectsABalanceThatDriftedFromItsPostings_andNamesTheAccount() {
        Funded funded = fundedWallet(20_00);
        assertThat(verifier.verify().ok())
                .as(verifier.verify().problems().toString())
                .isTrue();

        jdbc.sql("UPDATE ledger_accounts SET posted_minor = posted_minor + 1 WHERE id = ?")
                .param(funded.wallet())
                .update();
        try {
            LedgerVerifier.Report report = verifier.verify();
            assertThat(report.ok()).isFalse();
            assertThat(report.summary()).doesNotContain("no differences");
            assertThat(report.problems())
                    .anySatisfy(problem -> assertThat(problem)
                            .contains("balance differs from its postings")
                            .contains(funded.wallet().toString())
                            .contains("balance 2001")
                            .contains("postings 2000"));
        } finally {
            jdbc.sql("UPDATE ledger_accounts SET posted_minor = posted_minor - 1 WHERE id = ?")
                    .param(funded.wallet())
                    .update();
        }
        LedgerVerifier.Report restored = verifier.verify();
        assertThat(restored.problems()).isEmpty();
        assertThat(restored.ok()).isTrue();
    }

    record Posting(UUID account, long amountMinor) {}

    /** Writes a transfer row and the given postings by hand in one transaction; returns why the commit failed, or null. */
    private Throwable commitUnbalanced(UUID transfer, UUID from, UUID to, long amountMinor, List<Posting> postings) {
        TransactionTemplate template = new TransactionTemplate(transactionManager);
        return catchThrowable(() -> template.executeWithoutResult(status -> {
            jdbc.sql("""
                    INSERT INTO ledger_transfers (id, kind, currency, amount_minor, from_account_id, to_account_id, created_at)
                    VALUES (?, 'test_by_hand', 'USD', ?, ?, ?, now())
                    """).params(transfer, amountMinor, from, to).update();
            for (Posting posting : postings) {
                jdbc.sql("INSERT INTO ledger_postings (account_id, transfer_id, amount_minor) VALUES (?, ?, ?)")
                        .params(posting.account(), transfer, posting.amountMinor())
                        .update();
            }
        }));
    }

    private void assertLeftNothing(UUID transfer, UUID from, long fromBalance, UUID to, long toBalance) {
        assertThat(count("SELECT count(*) FROM ledger_transfers WHERE id = '" + transfer + "'"))
                .isZero();
        assertThat(count("SELECT count(*) FROM ledger_postings WHERE transfer_id = '" + transfer + "'"))
                .isZero();
        assertThat(postedOf(from)).isEqualTo(fromBalance);
        assertThat(postedOf(to)).isEqualTo(toBalance);
    }

    private void assertRejected(String sql, Object... params) {
        Throwable failure = catchThrowable(() -> jdbc.sql(sql).params(params).update());
        assertThat(failure).as(sql).isNotNull();
        assertThat(Transactions.sqlState(failure)).as("%s: %s", sql, failure).isEqualTo(RESTRICT_VIOLATION);
    }

    private Funded fundedWallet(long minor) {
        UUID wallet = emptyWallet();
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
        return new Funded(wallet, ((TransferResult.Posted) result).transfer().id());
    }

    private UUID emptyWallet() {
        return transactions.run(() -> ledger.openWallet(UUID.randomUUID(), "USD"));
    }

    private List<String> postingsOf(UUID transfer) {
        return jdbc.sql(
                        "SELECT account_id || ' ' || amount_minor FROM ledger_postings WHERE transfer_id = ? ORDER BY account_id")
                .param(transfer)
                .query(String.class)
                .list();
    }

    private String transferRow(UUID transfer) {
        return jdbc.sql("SELECT t::text FROM ledger_transfers t WHERE id = ?")
                .param(transfer)
                .query(String.class)
                .single();
    }

    private long postedOf(UUID account) {
        return jdbc.sql("SELECT posted_minor FROM ledger_accounts WHERE id = ?")
                .param(account)
                .query(Long.class)
                .single();
    }

    private long count(String sql) {
        return jdbc.sql(sql).query(Long.class).single();
    }
}
