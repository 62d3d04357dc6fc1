package org.openwallet.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.DriverTimeoutException;
import com.datastax.oss.driver.api.core.NoNodeAvailableException;
import com.datastax.oss.driver.api.core.connection.HeartbeatException;
import io.lettuce.core.RedisConnectionException;
import java.net.InetSocketAddress;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;
import org.openwallet.platform.redis.RedisUnavailableException;
import org.postgresql.util.PSQLException;
import org.postgresql.util.PSQLState;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.jdbc.UncategorizedSQLException;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.transaction.TransactionSystemException;

/** Which failures dead-letter an event (only poison) and which are retried. */
class FailuresTest {
    @Test
    void aFailedRollback_withTheDatabaseGone_isUnavailable_notPoison() {
        TransactionSystemException rollbackFailed = new TransactionSystemException(
                "JDBC rollback failed",
                new PSQLException("This connection has been closed.", PSQLState.CONNECTION_DOES_NOT_EXIST));

        assertThat(Failures.classify(rollbackFailed)).isEqualTo(Failures.Kind.UNAVAILABLE);
    }

    @Test
    void poison_whoseRollbackFailedAsTheDatabaseDied_isRetried() {
        TransactionSystemException rollbackFailed =
                new TransactionSystemException("JDBC rollback failed", new SQLException("closed"));
        rollbackFailed.initApplicationException(new PoisonEventException("no payload"));

        assertThat(Failures.classify(rollbackFailed)).isEqualTo(Failures.Kind.UNAVAILABLE);
    }

    @Test
    void connectionTransactionAndStoreFailures_areUnavailable() {
        assertThat(Failures.classify(new CannotCreateTransactionException("no connection")))
                .isEqualTo(Failures.Kind.UNAVAILABLE);
        assertThat(Failures.classify(new RuntimeException(new SQLTransientConnectionException("pool timeout"))))
                .isEqualTo(Failures.Kind.UNAVAILABLE);
        assertThat(Failures.classify(new RedisUnavailableException("down", null)))
                .isEqualTo(Failures.Kind.UNAVAILABLE);
        assertThat(Failures.classify(new IllegalStateException(new RedisConnectionException("refused"))))
                .isEqualTo(Failures.Kind.UNAVAILABLE);
        assertThat(Failures.classify(new DriverTimeoutException("2 s"))).isEqualTo(Failures.Kind.UNAVAILABLE);
        assertThat(Failures.classify(new NoNodeAvailableException())).isEqualTo(Failures.Kind.UNAVAILABLE);
        assertThat(Failures.classify(new HeartbeatException(new InetSocketAddress(9042), "no answer", null)))
                .isEqualTo(Failures.Kind.UNAVAILABLE);
    }

    @Test
    void sqlStatesOfConnectionShutdownRollbackResourcesAndLockTimeout_areUnavailable() {
        for (String state :
                new String[] {"08006", "08003", "57P01", "57P03", "57014", "40001", "40P01", "53300", "58030", "55P03"
                }) {
            UncategorizedSQLException failure =
                    new UncategorizedSQLException("INSERT", "INSERT ...", new SQLException("x", state));
            assertThat(Failures.classify(failure)).as(state).isEqualTo(Failures.Kind.UNAVAILABLE);
        }
    }

    @Test
    void onlyAPoisonVerdict_isPoison_andAnythingElseIsUnexpected_andRetried() {
        assertThat(Failures.classify(new PoisonEventException("version 2"))).isEqualTo(Failures.Kind.POISON);
        assertThat(Failures.classify(new IllegalStateException("wrapped", new PoisonEventException("no id"))))
                .isEqualTo(Failures.Kind.POISON);
        assertThat(Failures.classify(new NullPointerException())).isEqualTo(Failures.Kind.UNEXPECTED);
        assertThat(Failures.classify(new DataIntegrityViolationException("23505")))
                .isEqualTo(Failures.Kind.UNEXPECTED);
        assertThat(Failures.classify(new UncategorizedSQLException("x", "x", new SQLException("raise", "P0001"))))
                .isEqualTo(Failures.Kind.UNEXPECTED);
    }

    @Test
    void aCycleOfCauses_ends() {
        RuntimeException first = new RuntimeException("first");
        RuntimeException second = new RuntimeException("second", first);
        first.initCause(second);

        assertThat(Failures.classify(first)).isEqualTo(Failures.Kind.UNEXPECTED);
    }
}
