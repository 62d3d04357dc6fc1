package org.openwallet.platform;

import java.sql.SQLException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The one way to run a database transaction in the wallet.
 *
 * <p>The work runs at READ COMMITTED with explicit row locks where money is involved. If
 * PostgreSQL aborts it as a serialization failure (SQLSTATE 40001) or a deadlock victim (40P01),
 * the whole unit is run again from the start, a bounded number of times with jittered backoff;
 * clients never see these errors. The work must therefore be free of side effects outside the
 * database, and it must not make network calls while it holds the connection.
 */
@Component
public class Transactions {
    private static final Logger log = LoggerFactory.getLogger(Transactions.class);
    static final int MAX_ATTEMPTS = 8;
    private static final long BASE_BACKOFF_MICROS = 500;

    private final TransactionTemplate template;
    private final JdbcClient jdbc;

    public Transactions(PlatformTransactionManager transactionManager, JdbcClient jdbc) {
        this.template = new TransactionTemplate(transactionManager);
        this.template.setIsolationLevel(TransactionDefinition.ISOLATION_READ_COMMITTED);
        this.template.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRED);
        this.jdbc = jdbc;
    }

    /**
     * Like {@link #run}, but without the pool's statement and lock timeouts
     * ({@code wallet.database.statement-timeout}, {@code lock-timeout}) for this transaction only.
     * For operator work alone: a ledger verification scans every posting, and a reconciliation
     * waits for a run in progress on another node; neither may fail half-way because it takes
     * longer than a payment may. The limits come back when the transaction ends (SET LOCAL), so
     * the connection returns to the pool as it left.
     */
    public <T> T runWithoutStatementLimits(Supplier<T> work) {
        return run(() -> {
            jdbc.sql("SELECT set_config('statement_timeout', '0', true), set_config('lock_timeout', '0', true)").query((rs, n) -> 1).list();
            return work.get();
        });
    }

    /** Runs {@code work} in one transaction, retried on serialization failure and deadlock. */
    public <T> T run(Supplier<T> work) {
        if (TransactionSynchronizationManager.isActualTransactionActive()) {
            throw new IllegalStateException("Transactions.run must not be nested: a retry would repeat the outer work");
        }
        for (int attempt = 1; ; attempt++) {
            try {
                return template.execute(status -> work.get());
            } catch (RuntimeException exception) {
                String sqlState = sqlState(exception);
                if (!isRetryable(sqlState) || attempt == MAX_ATTEMPTS) {
                    throw exception;
                }
                log.debug("Retrying transaction after SQLSTATE {} (attempt {})", sqlState, attempt);
                backOff(attempt);
            }
        }
    }

    static boolean isRetryable(String sqlState) {
        return "40001".equals(sqlState) || "40P01".equals(sqlState);
    }

    /** The SQLSTATE of the first {@link SQLException} in the cause chain, or null. */
    public static String sqlState(Throwable throwable) {
        for (Throwable cause = throwable; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql && sql.getSQLState() != null) {
                return sql.getSQLState();
            }
        }
        return null;
    }

    private static void backOff(int attempt) {
        long ceilingMicros = BASE_BACKOFF_MICROS << Math.min(attempt, 6);
        long sleepMicros = ThreadLocalRandom.current().nextLong(ceilingMicros);
        try {
            Thread.sleep(sleepMicros / 1000, (int) (sleepMicros % 1000) * 1000);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while backing off a transaction retry", interrupted);
        }
    }
}
