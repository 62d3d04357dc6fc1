package org.openwallet.ledger;

import java.util.ArrayList;
import java.util.List;
import org.openwallet.platform.database.Transactions;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Recomputes the ledger from its postings and compares: every account balance equals the sum of
 * its postings, every transfer has two postings summing to zero, the whole ledger sums to zero,
 * no wallet is below zero, and no debt account (a user's receivable) above it. Run by {@code ./wallet verify-ledger} and by the tests.
 */
@Component
public class LedgerVerifier {
    /** At most this many offending rows are listed per check, so a badly broken ledger still gives a readable report. */
    static final int MAX_EXAMPLES = 20;

    private final JdbcClient jdbc;
    private final Transactions transactions;

    public LedgerVerifier(JdbcClient jdbc, Transactions transactions) {
        this.jdbc = jdbc;
        this.transactions = transactions;
    }

    /**
     * @param systemAccounts one line per system account and currency: its balance summed over its
     *                       sub-accounts (a hot system account is several rows; see {@link Ledger#systemAccount(String, String, int)})
     */
    public record Report(
            long accounts,
            long transfers,
            long postings,
            long totalMinor,
            List<String> problems,
            List<String> systemAccounts) {
        public boolean ok() {
            return problems.isEmpty();
        }

        public String summary() {
            return "checked " + accounts + " accounts, " + transfers + " transfers, " + postings
                    + " postings; ledger total " + totalMinor + " minor units; "
                    + (ok() ? "no differences" : problems.size() + " problem(s)");
        }
    }

    /**
     * Runs every check in one transaction without the pool's statement timeout: each check scans
     * whole tables, which on a large ledger takes far longer than any statement of a payment may.
     */
    public Report verify() {
        return transactions.runWithoutStatementLimits(this::verifyNow);
    }

    private Report verifyNow() {
        List<String> problems = new ArrayList<>();
        long accounts = count("SELECT count(*) FROM ledger_accounts");
        long transfers = count("SELECT count(*) FROM ledger_transfers");
        long postings = count("SELECT count(*) FROM ledger_postings");

        collect(problems, "balance differs from its postings", """
                SELECT a.id || ': balance ' || a.posted_minor || ', postings ' || coalesce(p.total, 0)
                  FROM ledger_accounts a
                  LEFT JOIN (SELECT account_id, sum(amount_minor) AS total FROM ledger_postings GROUP BY account_id) p ON p.account_id = a.id
                 WHERE a.posted_minor <> coalesce(p.total, 0)
                """);
        collect(problems, "transfer not balanced", """
                SELECT t.id || ': ' || count(p.*) || ' postings summing to ' || coalesce(sum(p.amount_minor), 0)
                  FROM ledger_transfers t LEFT JOIN ledger_postings p ON p.transfer_id = t.id
                 GROUP BY t.id
                HAVING count(p.*) <> 2 OR coalesce(sum(p.amount_minor), 0) <> 0
                    OR bool_or(p.account_id NOT IN (t.from_account_id, t.to_account_id))
                    OR sum(p.amount_minor) FILTER (WHERE p.account_id = t.to_account_id) <> t.amount_minor
                """);
        collect(problems, "wallet below zero", """
                SELECT id || ': available ' || (posted_minor - pending_debit_minor)
                  FROM ledger_accounts WHERE kind = 'user_wallet' AND posted_minor - pending_debit_minor < 0
                """);
        // A user's receivable (see Debts) holds what they owe after a late bank return: at or below
        // zero, never anything pending; above zero it would be money owed to the user outside their wallet.
        collect(problems, "debt account above zero or with pending amounts", """
                SELECT id || ': balance ' || posted_minor || ', pending ' || pending_credit_minor || '/' || pending_debit_minor
                  FROM ledger_accounts WHERE kind = 'user_receivable' AND (posted_minor > 0 OR pending_credit_minor <> 0 OR pending_debit_minor <> 0)
                """);
        collect(problems, "pending balance differs from its unresolved pending transfers", """
                SELECT a.id || ': pending debit ' || a.pending_debit_minor || ' vs ' || coalesce(d.total, 0)
                       || ', pending credit ' || a.pending_credit_minor || ' vs ' || coalesce(c.total, 0)
                  FROM ledger_accounts a
                  LEFT JOIN (SELECT t.from_account_id AS account_id, sum(t.amount_minor) AS total FROM ledger_pending_transfers t
                              WHERE NOT EXISTS (SELECT 1 FROM ledger_pending_resolutions r WHERE r.pending_id = t.id)
                              GROUP BY t.from_account_id) d ON d.account_id = a.id
                  LEFT JOIN (SELECT t.to_account_id AS account_id, sum(t.amount_minor) AS total FROM ledger_pending_transfers t
                              WHERE NOT EXISTS (SELECT 1 FROM ledger_pending_resolutions r WHERE r.pending_id = t.id)
                              GROUP BY t.to_account_id) c ON c.account_id = a.id
                 WHERE a.pending_debit_minor <> coalesce(d.total, 0) OR a.pending_credit_minor <> coalesce(c.total, 0)
                """);
        List<String> currencyTotals = jdbc.sql("""
                SELECT a.currency || ' sums to ' || sum(p.amount_minor)
                  FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id
                 GROUP BY a.currency HAVING sum(p.amount_minor) <> 0
                """).query(String.class).list();
        currencyTotals.forEach(total -> problems.add("ledger does not sum to zero: " + total));
        long totalMinor = count("SELECT coalesce(sum(amount_minor), 0) FROM ledger_postings");
        List<String> systemAccounts = jdbc.sql("""
                SELECT name || ' ' || currency || ': posted ' || sum(posted_minor) || ', pending credit ' || sum(pending_credit_minor)
                       || ', pending debit ' || sum(pending_debit_minor) || ' (' || count(*) || ' sub-account' || CASE WHEN count(*) = 1 THEN ')' ELSE 's)' END
                  FROM ledger_accounts WHERE kind = 'system' GROUP BY name, currency ORDER BY name, currency LIMIT 1000
                """).query(String.class).list();
        return new Report(accounts, transfers, postings, totalMinor, List.copyOf(problems), systemAccounts);
    }

    private long count(String sql) {
        return jdbc.sql(sql).query(Long.class).single();
    }

    private void collect(List<String> problems, String what, String sql) {
        jdbc.sql(sql + " LIMIT " + MAX_EXAMPLES)
                .query(String.class)
                .list()
                .forEach(example -> problems.add(what + ": " + example));
    }
}
