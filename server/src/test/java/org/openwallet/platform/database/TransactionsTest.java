package org.openwallet.platform.database;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.sql.SQLException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Which failure {@link Transactions} takes for what, without a database. */
class TransactionsTest {
    @Test
    void sqlState_isTheFirstSqlExceptionsInTheCauseChain() {
        RuntimeException wrapped =
                new RuntimeException(new IllegalStateException(new SQLException("aborted", "40001")));

        assertThat(Transactions.sqlState(wrapped)).isEqualTo("40001");
        assertThat(Transactions.sqlState(new IllegalStateException("no SQL"))).isNull();
    }

    /** The retry asks this of every failed unit: a loop of causes must not hang the caller (a payment, a consumer). */
    @Test
    void sqlState_ofCausesThatFormALoop_returns() {
        RuntimeException first = new RuntimeException("first");
        RuntimeException second = new RuntimeException("second", first);
        first.initCause(second);

        assertThat(assertTimeoutPreemptively(Duration.ofSeconds(5), () -> Transactions.sqlState(first)))
                .isNull();
    }
}
