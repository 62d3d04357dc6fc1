package org.openwallet.platform.database;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.openwallet.Api;
import org.openwallet.LedgerTestSupport;
import org.openwallet.WalletIntegrationTest;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Every pooled connection runs with the shipped statement timeout (5 s) and lock timeout (2 s): a
 * payment stuck behind a row lock is answered 503 with Retry-After once PostgreSQL gives up the
 * wait (the waiting statement really ends; nothing stays queued behind the lock), and its retry
 * with the same key posts once the lock is gone; a runaway statement is cancelled. Migrations and
 * operator work run without those limits.
 */
class DatabaseTimeoutsApiTest extends WalletIntegrationTest {
    private static final Duration LOCK_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration STATEMENT_TIMEOUT = Duration.ofSeconds(5);
    /** What a busy machine may add to a timeout; the test client itself gives up after 30 s. */
    private static final Duration SLACK = Duration.ofSeconds(15);

    @Autowired
    DataSource dataSource;

    @Autowired
    Flyway flyway;

    @Test
    void payment_blockedByALockHeldElsewhere_isAnswered503AfterTheLockTimeout_andItsRetryWithTheSameKeyPosts()
            throws Exception {
        Api.User sender = api.newUser();
        Api.User recipient = api.newUser();
        LedgerTestSupport.fund(transactions, ledger, sender.id(), 10_00);
        UUID wallet = ledger.walletOf(sender.id(), "USD").orElseThrow();
        String key = UUID.randomUUID().toString();
        Map<String, String> payment = Map.of("to_handle", recipient.handle(), "amount", "1.00", "currency", "USD");

        Api.Response blocked;
        long elapsedMillis;
        long stillWaiting;
        try (Connection holder = dataSource.getConnection()) {
            holder.setAutoCommit(false);
            try (PreparedStatement lock =
                    holder.prepareStatement("SELECT id FROM ledger_accounts WHERE id = ? FOR UPDATE")) {
                lock.setObject(1, wallet);
                lock.executeQuery().close();
            }
            long started = System.nanoTime();
            blocked = api.post("/v1/transfers", sender.token(), key, payment);
            elapsedMillis = (System.nanoTime() - started) / 1_000_000;
            // The lock is still held: only PostgreSQL's lock timeout can have ended the payment's wait.
            stillWaiting = backendsWaitingForALockOnLedgerAccounts();
            holder.rollback();
        }

        assertThat(blocked.status()).as(blocked.body()).isEqualTo(503);
        assertThat(blocked.header("Content-Type")).startsWith("application/problem+json");
        assertThat(blocked.code()).isEqualTo("service_unavailable");
        assertThat(blocked.json().get("detail").asString())
                .contains("did not answer in time")
                .contains("same Idempotency-Key");
        assertThat(blocked.header("Retry-After")).isEqualTo("1");
        assertThat(elapsedMillis)
                .as("answered after the lock timeout, not after the lock was released")
                .isBetween(LOCK_TIMEOUT.toMillis(), LOCK_TIMEOUT.plus(SLACK).toMillis());
        assertThat(stillWaiting).as("no statement left waiting behind the lock").isZero();
        assertThat(api.available(sender)).isEqualTo("10.00");

        Api.Response retried = api.post("/v1/transfers", sender.token(), key, payment);
        assertThat(retried.status()).as(retried.body()).isEqualTo(201);
        assertThat(api.available(sender)).isEqualTo("9.00");
        assertThat(api.available(recipient)).isEqualTo("1.00");
    }

    @Test
    void statement_runningPastTheStatementTimeout_isCancelledByPostgres() {
        long started = System.nanoTime();

        assertThatThrownBy(() -> jdbc.sql("SELECT pg_sleep(60)::text")
                        .query(String.class)
                        .single())
                .satisfies(failure -> assertThat(Transactions.sqlState(failure))
                        .as(failure.toString())
                        .isEqualTo("57014"));

        long elapsedMillis = (System.nanoTime() - started) / 1_000_000;
        assertThat(elapsedMillis)
                .isBetween(
                        STATEMENT_TIMEOUT.toMillis(),
                        STATEMENT_TIMEOUT.plus(SLACK).toMillis());
    }

    @Test
    void pooledConnections_carryTheLimits_whileMigrationsAndOperatorWorkRunWithout() throws Exception {
        assertThat(jdbc.sql("SHOW statement_timeout").query(String.class).single())
                .isEqualTo("5s");
        assertThat(jdbc.sql("SHOW lock_timeout").query(String.class).single()).isEqualTo("2s");

        // Flyway connects on its own, not through the pool: creating the outbox's slot waits for every open
        // transaction.
        assertThat(flyway.getConfiguration().getDataSource()).isNotSameAs(dataSource);
        try (Connection migrations = flyway.getConfiguration().getDataSource().getConnection();
                Statement statement = migrations.createStatement();
                ResultSet timeouts = statement.executeQuery(
                        "SELECT current_setting('statement_timeout'), current_setting('lock_timeout')")) {
            timeouts.next();
            assertThat(timeouts.getString(1)).isEqualTo("0");
            assertThat(timeouts.getString(2)).isEqualTo("0");
        }

        // Operator work outlives the statement timeout, and the pool's limits are back once it is done.
        String slept = transactions.runWithoutStatementLimits(
                () -> jdbc.sql("SELECT pg_sleep(6)::text || current_setting('lock_timeout')")
                        .query(String.class)
                        .single());
        assertThat(slept).isEqualTo("0");
        assertThat(transactions.run(() ->
                        jdbc.sql("SHOW statement_timeout").query(String.class).single()))
                .isEqualTo("5s");
    }

    private long backendsWaitingForALockOnLedgerAccounts() {
        return jdbc.sql("""
                SELECT count(*) FROM pg_stat_activity
                 WHERE wait_event_type = 'Lock' AND query ILIKE '%ledger_accounts%' AND pid <> pg_backend_pid()
                """).query(Long.class).single();
    }
}
