package org.openwallet.platform.database;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.time.Duration;
import javax.sql.DataSource;
import org.openwallet.platform.EmbeddedPostgres;
import org.openwallet.platform.config.WalletProperties;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.flyway.autoconfigure.FlywayConfigurationCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.DependsOn;

/**
 * The ledger database: an external PostgreSQL when {@code wallet.database.url} is set, otherwise
 * an embedded one under {@code wallet.data-dir}. Either way the wallet sees one pooled DataSource.
 *
 * <p>Every connection of that pool runs with the statement and lock timeouts of
 * {@code wallet.database} (set when the pool opens the connection, so no request pays for it).
 * Three kinds of connections do not:
 * <ul>
 *   <li>Flyway's, which are its own and not the pool's: a migration may rewrite a large table, and
 *       creating the outbox's replication slot (V7) waits for every transaction open at that
 *       moment, however long. A migration cut off half-way would stop the start.</li>
 *   <li>The relay's (Debezium's replication stream and the leadership connection,
 *       {@link DatabaseEndpoint}): a replication stream is one statement that runs for as long as
 *       the relay streams.</li>
 *   <li>Operator work that scans the whole ledger or waits for a run in progress (ledger
 *       verification, reconciliation): it lifts the limits for its own transaction only, with
 *       {@link Transactions#runWithoutStatementLimits}.</li>
 * </ul>
 * The health check has a connection of its own too ({@link DatabaseHealth}), with limits of its own.
 */
@Configuration(proxyBeanMethods = false)
class DatabaseConfiguration {

    /** Null when an external database is configured; Spring then has nothing to stop. */
    @Bean(destroyMethod = "close")
    EmbeddedPostgres embeddedPostgres(WalletProperties properties) throws IOException {
        if (properties.database().external()) {
            return null;
        }
        return EmbeddedPostgres.start(
                properties.dataDir().toAbsolutePath().resolve("postgres"),
                properties.database().maxSlotWalKeepSize());
    }

    @Bean
    DatabaseEndpoint databaseEndpoint(WalletProperties properties, ObjectProvider<EmbeddedPostgres> embedded) {
        WalletProperties.Database database = properties.database();
        if (database.external()) {
            return DatabaseEndpoint.fromJdbcUrl(database.url(), database.username(), database.password());
        }
        EmbeddedPostgres server = embedded.getObject();
        return new DatabaseEndpoint("127.0.0.1", server.port(), "postgres", server.username(), server.password());
    }

    /** Where JDBC connects, as whom: the external database's URL as configured, or the embedded server. */
    record JdbcTarget(String url, String username, String password) {
        static JdbcTarget of(WalletProperties.Database database, ObjectProvider<EmbeddedPostgres> embedded) {
            if (database.external()) {
                return new JdbcTarget(database.url(), database.username(), database.password());
            }
            EmbeddedPostgres server = embedded.getObject();
            return new JdbcTarget(server.jdbcUrl(), server.username(), server.password());
        }

        @Override
        public String toString() {
            return "JdbcTarget[url=" + url + ", username=" + username + ", password=****]";
        }
    }

    /** Depends on the embedded server so that whatever connects with it stops before the server does. */
    @Bean
    @DependsOn("embeddedPostgres")
    JdbcTarget jdbcTarget(WalletProperties properties, ObjectProvider<EmbeddedPostgres> embedded) {
        return JdbcTarget.of(properties.database(), embedded);
    }

    /** Depends on the embedded server so the pool is closed before the server stops. */
    @Bean(destroyMethod = "close")
    @DependsOn("embeddedPostgres")
    DataSource dataSource(WalletProperties properties, JdbcTarget target) {
        WalletProperties.Database database = properties.database();
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(target.url());
        config.setUsername(target.username());
        config.setPassword(target.password());
        config.setPoolName("ledger");
        config.setMaximumPoolSize(database.poolSize());
        config.setConnectionTimeout(5_000);
        config.setConnectionInitSql(sessionLimits(database));
        // Prepared statements are reused across a connection's life: the transfer path runs the same few statements.
        config.addDataSourceProperty("prepareThreshold", "1");
        config.addDataSourceProperty("reWriteBatchedInserts", "true");
        return new HikariDataSource(config);
    }

    /**
     * The statement run on each new pooled connection. Session-wide ({@code is_local} false), so it
     * holds for the connection's whole life; code that needs other limits sets them with
     * {@code SET LOCAL} semantics, which end with its transaction and so never leak into the pool.
     */
    static String sessionLimits(WalletProperties.Database database) {
        return "SELECT set_config('statement_timeout', '" + millis(database.statementTimeout()) + "', false), "
                + "set_config('lock_timeout', '" + millis(database.lockTimeout()) + "', false)";
    }

    private static String millis(Duration duration) {
        return duration.toMillis() + "ms";
    }

    /**
     * Flyway migrates over connections of its own, outside the pool and so without its limits
     * (see the class comment). They exist only while migrations run.
     */
    @Bean
    FlywayConfigurationCustomizer unlimitedMigrationConnections(JdbcTarget target) {
        return configuration -> configuration.dataSource(target.url(), target.username(), target.password());
    }
}
