package org.openwallet.platform.database;

import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.github.resilience4j.retry.RetryRegistry;
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
 *
 * <p>The retry is the Resilience4j policy {@code postgresql}: {@link #MAX_ATTEMPTS} runs in all,
 * and before run n+1 a wait drawn evenly from 0 to 2<sup>min(n, 6) - 1</sup> ms (full jitter, so
 * contenders that failed together do not retry together), in whole milliseconds.
 */
@Component
public class Transactions {
    private static final Logger log = LoggerFactory.getLogger(Transactions.class);
    static final int MAX_ATTEMPTS = 8;
    /** The wait before the next run is at most 2^(this - 1) ms, reached after this many failed runs. */
    private static final int MAX_BACKOFF_DOUBLINGS = 6;
    /** Deeper than any real chain of causes (Spring, Hikari, the JDBC driver). */
    private static final int MAX_CAUSES = 64;

    private final TransactionTemplate template;
    private final JdbcClient jdbc;
    private final Retry retry;

    public Transactions(PlatformTransactionManager transactionManager, JdbcClient jdbc, RetryRegistry retries) {
        this.template = new TransactionTemplate(transactionManager);
        this.template.setIsolationLevel(TransactionDefinition.ISOLATION_READ_COMMITTED);
        this.template.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRED);
        this.jdbc = jdbc;
        this.retry = retries.retry(
                "postgresql",
                RetryConfig.custom()
                        .maxAttempts(MAX_ATTEMPTS)
                        .retryOnException(failure -> isRetryable(sqlState(failure)))
                        .intervalFunction(Transactions::backOffMillis)
                        .build());
        retry.getEventPublisher()
                .onRetry(event -> log.debug(
                        "Retrying transaction after SQLSTATE {} (attempt {})",
                        sqlState(event.getLastThrowable()),
                        event.getNumberOfRetryAttempts()));
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
            jdbc.sql("SELECT set_config('statement_timeout', '0', true), set_config('lock_timeout', '0', true)")
                    .query((rs, n) -> 1)
                    .list();
            return work.get();
        });
    }

    /** Runs {@code work} in one transaction, retried on serialization failure and deadlock. */
    public <T> T run(Supplier<T> work) {
        if (TransactionSynchronizationManager.isActualTransactionActive()) {
            throw new IllegalStateException("Transactions.run must not be nested: a retry would repeat the outer work");
        }
        return retry.executeSupplier(() -> template.execute(status -> work.get()));
    }

    static boolean isRetryable(String sqlState) {
        return "40001".equals(sqlState) || "40P01".equals(sqlState);
    }

    /**
     * The SQLSTATE of the first {@link SQLException} in the cause chain, or null. The walk is bounded:
     * causes can form a loop, and this runs on every failed transaction.
     */
    public static String sqlState(Throwable throwable) {
        int depth = 0;
        for (Throwable cause = throwable; cause != null && depth++ < MAX_CAUSES; cause = cause.getCause()) {
            if (cause instanceof SQLException sql && sql.getSQLState() != null) {
                return sql.getSQLState();
            }
        }
        return null;
    }

    /**
     * The wait after {@code failedRuns} failed runs, up to 1, 2, 4 ... 32 ms. Drawn from 0 to the
     * ceiling inclusive: the mean is half the ceiling, as it was when the wait was drawn in
     * microseconds below it.
     */
    private static Long backOffMillis(int failedRuns) {
        long ceilingMillis = 1L << (Math.min(failedRuns, MAX_BACKOFF_DOUBLINGS) - 1);
        return ThreadLocalRandom.current().nextLong(ceilingMillis + 1);
    }
}
