package org.openwallet.platform.database;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import javax.sql.DataSource;
import org.openwallet.platform.HealthStatus;
import org.openwallet.platform.SampledHealth;
import org.openwallet.platform.config.WalletProperties;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.stereotype.Component;

/**
 * The {@code db} component of health (in place of Spring's, which borrows a pooled connection and
 * so waited the pool's 5 s when PostgreSQL was down): whether PostgreSQL answers, checked in the
 * background ({@link SampledHealth}) over a connection of its own, with the health timeout on
 * connecting and on every read.
 *
 * <p>Outside the pool on purpose: a pool whose connections are all busy is load, which the API
 * already sheds with 503 and Retry-After; a node under load is not down, and taking it out of the
 * load balancer would only move its load to the others. The details show the pool's state.
 */
@Component("dbHealthIndicator")
class DatabaseHealth implements HealthIndicator, DisposableBean {
    private final DatabaseConfiguration.JdbcTarget target;
    private final int timeoutSeconds;
    private final HikariPoolMXBean pool;
    private final SampledHealth sampled;
    /** Used by the sampling thread only. */
    private Connection connection;

    DatabaseHealth(DatabaseConfiguration.JdbcTarget target, WalletProperties properties, DataSource dataSource) {
        this.target = target;
        // JDBC's and the driver's timeouts are in whole seconds.
        this.timeoutSeconds =
                (int) Math.max(1, Math.ceilDiv(properties.health().timeout().toMillis(), 1000));
        this.pool = dataSource instanceof HikariDataSource hikari ? hikari.getHikariPoolMXBean() : null;
        this.sampled = new SampledHealth("PostgreSQL", properties.health(), Status.DOWN, this::check);
    }

    @Override
    public Health health() {
        return sampled.health();
    }

    private Health check() {
        try {
            if (connection == null || connection.isClosed()) {
                connection = connect();
            }
            try (Statement statement = connection.createStatement()) {
                statement.setQueryTimeout(timeoutSeconds);
                statement.execute("SELECT 1");
            }
            return Health.up().withDetails(details()).build();
        } catch (SQLException failure) {
            closeConnection();
            // The reason is shown on the public port too: it names the component, not where it is.
            return Health.down()
                    .withDetail(HealthStatus.REASON, "PostgreSQL is unreachable")
                    .withDetail("error", failure.getClass().getName() + ": " + failure.getMessage())
                    .withDetails(details())
                    .build();
        }
    }

    private Connection connect() throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", target.username());
        properties.setProperty("password", target.password() == null ? "" : target.password());
        properties.setProperty("connectTimeout", Integer.toString(timeoutSeconds));
        properties.setProperty("loginTimeout", Integer.toString(timeoutSeconds));
        properties.setProperty("socketTimeout", Integer.toString(timeoutSeconds));
        properties.setProperty("ApplicationName", "wallet-health");
        return DriverManager.getConnection(target.url(), properties);
    }

    private Map<String, Object> details() {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("database", "PostgreSQL");
        if (pool != null) {
            details.put("poolActive", pool.getActiveConnections());
            details.put("poolIdle", pool.getIdleConnections());
            details.put("poolWaiting", pool.getThreadsAwaitingConnection());
        }
        return details;
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // Already broken: closing is only to free it.
            }
            connection = null;
        }
    }

    @Override
    public void destroy() {
        sampled.close();
        closeConnection();
    }
}
