package org.openwallet.events;

import com.datastax.oss.driver.api.core.AllNodesFailedException;
import com.datastax.oss.driver.api.core.DriverTimeoutException;
import com.datastax.oss.driver.api.core.RequestThrottlingException;
import com.datastax.oss.driver.api.core.connection.BusyConnectionException;
import com.datastax.oss.driver.api.core.connection.ClosedConnectionException;
import com.datastax.oss.driver.api.core.connection.ConnectionInitException;
import com.datastax.oss.driver.api.core.connection.HeartbeatException;
import com.datastax.oss.driver.api.core.servererrors.BootstrappingException;
import com.datastax.oss.driver.api.core.servererrors.OverloadedException;
import com.datastax.oss.driver.api.core.servererrors.QueryExecutionException;
import com.datastax.oss.driver.api.core.servererrors.ServerError;
import io.lettuce.core.RedisException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.openwallet.platform.redis.RedisUnavailableException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.transaction.TransactionSystemException;
import org.springframework.transaction.TransactionTimedOutException;

/**
 * What a failure to apply an event means: the event's fault, or the world's.
 *
 * <p>Only an event that can never be applied is poison and goes to the dead letters: the handler
 * says so by throwing {@link PoisonEventException} (malformed, an unknown version, a reference to
 * something that can never exist), and so does the consumer for a record that is no event at all.
 * Everything else is retried with backoff and never dead-lettered, because dead-lettering it would
 * lose an event that a working database applies: a store that is down, a connection that broke, a
 * transaction whose commit or rollback failed, a timeout. Those are {@link Kind#UNAVAILABLE}; a
 * failure nobody foresaw (a bug, say) is {@link Kind#UNEXPECTED}, retried the same way but logged
 * loudly, since only a person can tell whether the event or the code is at fault (and a fixed
 * deploy then applies it).
 *
 * <p>A failure that shows a store unavailable anywhere in its chain of causes is
 * {@link Kind#UNAVAILABLE} even when it also carries a poison verdict: a poisoned transaction whose
 * rollback failed because the database died is retried, and the retry decides again.
 */
final class Failures {
    /** Deep enough for any real chain (Spring, Hikari, the JDBC driver); a cycle cannot loop forever. */
    static final int MAX_CAUSES = 64;

    /**
     * SQLSTATE classes of failures that go away by themselves: 08 connection exception, 40
     * transaction rollback (serialization failure, deadlock, completion unknown), 53 insufficient
     * resources (too many connections, disk full), 57 operator intervention (admin or crash shutdown,
     * cannot connect now, statement timeout), 58 system error (I/O), and 55P03 lock not available
     * (lock timeout).
     */
    private static final List<String> TRANSIENT_SQL_STATE_PREFIXES = List.of("08", "40", "53", "57", "58", "55P03");

    private Failures() {}

    enum Kind {
        /** The event can never be applied: dead-lettered. */
        POISON,
        /** A store or connection is unavailable: retried with backoff until it is back. */
        UNAVAILABLE,
        /** Neither: retried with backoff as well, and logged as an error. */
        UNEXPECTED
    }

    static Kind classify(Throwable failure) {
        boolean poison = false;
        for (Throwable cause : chain(failure)) {
            if (isUnavailable(cause)) {
                return Kind.UNAVAILABLE;
            }
            poison |= cause instanceof PoisonEventException;
        }
        return poison ? Kind.POISON : Kind.UNEXPECTED;
    }

    private static boolean isUnavailable(Throwable cause) {
        return cause instanceof TransientDataAccessException
                || cause instanceof RecoverableDataAccessException
                || cause instanceof DataAccessResourceFailureException
                || cause instanceof CannotCreateTransactionException
                || cause instanceof TransactionSystemException
                || cause instanceof TransactionTimedOutException
                || cause instanceof SQLTransientException
                || cause instanceof SQLRecoverableException
                || cause instanceof SQLNonTransientConnectionException
                || (cause instanceof SQLException sql && isTransientSqlState(sql.getSQLState()))
                || cause instanceof RedisUnavailableException
                || cause instanceof RedisException
                || cause instanceof AllNodesFailedException
                || cause instanceof DriverTimeoutException
                || cause instanceof RequestThrottlingException
                || cause instanceof BusyConnectionException
                || cause instanceof ClosedConnectionException
                || cause instanceof ConnectionInitException
                || cause instanceof HeartbeatException
                || cause instanceof QueryExecutionException
                || cause instanceof OverloadedException
                || cause instanceof BootstrappingException
                || cause instanceof ServerError;
    }

    private static boolean isTransientSqlState(String sqlState) {
        return sqlState != null && TRANSIENT_SQL_STATE_PREFIXES.stream().anyMatch(sqlState::startsWith);
    }

    /**
     * The last of the failure's causes: its cause, that one's cause, and so on, until the chain ends
     * or comes back to a cause already met. Causes can form a loop, which Spring's
     * {@code NestedExceptionUtils.getRootCause} walks for ever: the consumer hung there, before it
     * logged the failure or backed off, with nothing in health or the log to say so.
     */
    static Throwable rootCause(Throwable failure) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Throwable root = failure;
        for (Throwable cause = failure;
                cause != null && seen.size() < MAX_CAUSES && seen.add(cause);
                cause = cause.getCause()) {
            root = cause;
        }
        return root;
    }

    /**
     * The failure, its causes and suppressed exceptions, and what a {@link TransactionSystemException}
     * keeps aside (the work's own failure, overridden by the failed rollback), each once.
     */
    private static Set<Throwable> chain(Throwable failure) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Throwable> pending = new ArrayDeque<>();
        pending.add(failure);
        while (!pending.isEmpty() && seen.size() < MAX_CAUSES) {
            Throwable next = pending.poll();
            if (next == null || !seen.add(next)) {
                continue;
            }
            if (next.getCause() != null) {
                pending.add(next.getCause());
            }
            pending.addAll(List.of(next.getSuppressed()));
            if (next instanceof TransactionSystemException system && system.getApplicationException() != null) {
                pending.add(system.getApplicationException());
            }
        }
        return seen;
    }
}
