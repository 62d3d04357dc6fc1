package org.openwallet.platform.database;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.openwallet.WalletIntegrationTest;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * {@link Transactions#run} against the real PostgreSQL: a unit PostgreSQL aborts as a serialization
 * failure or a deadlock victim runs again, at most {@link Transactions#MAX_ATTEMPTS} times in all;
 * any other failure reaches the caller at once. The failures are raised by PostgreSQL itself, with
 * their SQLSTATE, inside the transaction.
 */
class TransactionsRetryTest extends WalletIntegrationTest {
    @Autowired
    Transactions transactions;

    /** Runs a unit that PostgreSQL aborts with {@code sqlState} on its first {@code failures} runs; returns how many runs it took. */
    private int runFailing(String sqlState, int failures) {
        AtomicInteger runs = new AtomicInteger();
        int answer = transactions.run(() -> {
            if (runs.incrementAndGet() <= failures) {
                raise(sqlState);
            }
            return runs.get();
        });
        assertThat(answer).isEqualTo(runs.get());
        return runs.get();
    }

    private void raise(String sqlState) {
        jdbc.sql("DO $$ BEGIN RAISE EXCEPTION 'planted by the test' USING ERRCODE = '" + sqlState + "'; END $$")
                .update();
    }

    @Test
    void serializationFailuresAndDeadlocks_areRunAgain_untilTheUnitCommits() {
        assertThat(runFailing("40001", 2)).isEqualTo(3);
        assertThat(runFailing("40P01", 1)).isEqualTo(2);
        assertThat(runFailing("40001", Transactions.MAX_ATTEMPTS - 1)).isEqualTo(Transactions.MAX_ATTEMPTS);
    }

    /** The policies are measured: {@code resilience4j.retry.calls} per policy and outcome, on the management port. */
    @Test
    void retriedUnits_areCountedInTheRetryMetrics() {
        runFailing("40001", 1);

        String scrape = management.get("/actuator/prometheus", null).body();
        assertThat(scrape)
                .containsPattern(
                        "resilience4j_retry_calls_total\\{[^}]*kind=\"successful_with_retry\"[^}]*name=\"postgresql\"[^}]*} [1-9]");
        assertThat(scrape).contains("name=\"bank\"").contains("name=\"webhook\"");
    }

    @Test
    void aUnitThatKeepsFailingToSerialize_reachesTheCallerAfterMaxAttempts() {
        AtomicInteger runs = new AtomicInteger();
        assertThatThrownBy(() -> transactions.run(() -> {
                    runs.incrementAndGet();
                    raise("40001");
                    return null;
                }))
                .satisfies(failure -> assertThat(Transactions.sqlState(failure)).isEqualTo("40001"));
        assertThat(runs).hasValue(Transactions.MAX_ATTEMPTS);
    }

    @Test
    void otherFailures_reachTheCallerAtOnce() {
        for (String sqlState : new String[] {"23505", "55P03", "57014"}) {
            AtomicInteger runs = new AtomicInteger();
            assertThatThrownBy(() -> transactions.run(() -> {
                        runs.incrementAndGet();
                        raise(sqlState);
                        return null;
                    }))
                    .satisfies(failure ->
                            assertThat(Transactions.sqlState(failure)).isEqualTo(sqlState));
            assertThat(runs).as(sqlState).hasValue(1);
        }
        AtomicInteger runs = new AtomicInteger();
        assertThatThrownBy(() -> transactions.run(() -> {
                    runs.incrementAndGet();
                    throw new IllegalStateException("a bug");
                }))
                .hasMessage("a bug");
        assertThat(runs).hasValue(1);
    }
}
