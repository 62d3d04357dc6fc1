package org.openwallet.platform;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import javax.sql.DataSource;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The ledger database: an external PostgreSQL when {@code wallet.database.url} is set, otherwise
 * an embedded one under {@code wallet.data-dir}. Either way the wallet sees one pooled DataSource.
 */
@Configuration(proxyBeanMethods = false)
class DatabaseConfiguration {

    /** Null when an external database is configured; Spring then has nothing to stop. */
    @Bean(destroyMethod = "close")
    EmbeddedPostgres embeddedPostgres(WalletProperties properties) throws IOException {
        if (properties.database().external()) {
            return null;
        }
        return EmbeddedPostgres.start(properties.dataDir().toAbsolutePath().resolve("postgres"));
    }

    @Bean
    DatabaseEndpoint databaseEndpoint(WalletProperties properties, org.springframework.beans.factory.ObjectProvider<EmbeddedPostgres> embedded) {
        WalletProperties.Database database = properties.database();
        if (database.external()) {
            return DatabaseEndpoint.fromJdbcUrl(database.url(), database.username(), database.password());
        }
        EmbeddedPostgres server = embedded.getObject();
        return new DatabaseEndpoint("127.0.0.1", server.port(), "postgres", server.username(), server.password());
    }

    /** Depends on the embedded server so the pool is closed before the server stops. */
    @Bean(destroyMethod = "close")
    @org.springframework.context.annotation.DependsOn("embeddedPostgres")
    DataSource dataSource(WalletProperties properties, org.springframework.beans.factory.ObjectProvider<EmbeddedPostgres> embedded) {
        WalletProperties.Database database = properties.database();
        HikariConfig config = new HikariConfig();
        if (database.external()) {
            config.setJdbcUrl(database.url());
            config.setUsername(database.username());
            config.setPassword(database.password());
        } else {
            EmbeddedPostgres server = embedded.getObject();
            config.setJdbcUrl(server.jdbcUrl());
            config.setUsername(server.username());
            config.setPassword(server.password());
        }
        config.setPoolName("ledger");
        config.setMaximumPoolSize(database.poolSize());
        config.setConnectionTimeout(5_000);
        // Prepared statements are reused across a connection's life: the transfer path runs the same few statements.
        config.addDataSourceProperty("prepareThreshold", "1");
        config.addDataSourceProperty("reWriteBatchedInserts", "true");
        return new HikariDataSource(config);
    }
}
