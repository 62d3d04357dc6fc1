package org.openwallet.feed;

import com.datastax.oss.driver.api.core.CqlIdentifier;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.openwallet.platform.EmbeddedCassandra;
import org.openwallet.platform.config.WalletProperties;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.DependsOn;
import org.springframework.core.io.ResourceLoader;

/**
 * Cassandra, the feed store: an external cluster when {@code wallet.cassandra.contact-points} is set,
 * otherwise an embedded node under {@code wallet.data-dir/cassandra}. Only processes that run the
 * {@code api} (which reads the feed) or {@code feed} (which writes it) role connect; the others get
 * neither a node nor a session.
 *
 * <p>The {@link CqlSession} handed out is connected to the keyspace, with the schema already applied
 * ({@link CassandraSchema}).
 */
@Configuration(proxyBeanMethods = false)
class CassandraConfiguration {
    static final int DEFAULT_PORT = 9042;
    /**
     * The driver refreshes its schema metadata after every schema change, debounced by a window of 1 s
     * by default: each CREATE of a migration would wait that long. Nothing else changes the schema.
     */
    private static final Duration SCHEMA_REFRESH_WINDOW = Duration.ofMillis(10);

    @Bean(destroyMethod = "close")
    EmbeddedCassandra embeddedCassandra(WalletProperties properties) throws IOException {
        WalletProperties.CassandraSettings cassandra = properties.cassandra();
        if (cassandra.external() || !needsCassandra(properties)) {
            return null;
        }
        return EmbeddedCassandra.start(
                properties.dataDir().toAbsolutePath().resolve("cassandra"),
                cassandra.javaHomePath(),
                cassandra.heapSize());
    }

    /** Depends on the embedded node, so the session is closed before the node stops. */
    @Bean(destroyMethod = "close")
    @DependsOn("embeddedCassandra")
    CqlSession cqlSession(
            WalletProperties properties, ObjectProvider<EmbeddedCassandra> embedded, ResourceLoader resources) {
        if (!needsCassandra(properties)) {
            return null;
        }
        WalletProperties.CassandraSettings settings = properties.cassandra();
        List<InetSocketAddress> contactPoints = settings.external()
                ? contactPoints(settings.contactPoints())
                : List.of(embedded.getObject().address());
        CassandraSchema schema = new CassandraSchema(
                settings.keyspace(),
                settings.replicationOrDefault(),
                CassandraSchema.load(settings.schemaLocation(), resources));
        // The keyspace may not exist yet, and a session can only be opened on one that does.
        try (CqlSession withoutKeyspace = connect(contactPoints, settings, null)) {
            schema.createKeyspace(withoutKeyspace);
        }
        CqlSession session = connect(contactPoints, settings, settings.keyspace());
        try {
            schema.migrate(session);
        } catch (RuntimeException failure) {
            session.close();
            throw failure;
        }
        return session;
    }

    static CqlSession connect(
            List<InetSocketAddress> contactPoints, WalletProperties.CassandraSettings settings, String keyspace) {
        return CqlSession.builder()
                .addContactPoints(contactPoints)
                .withLocalDatacenter(settings.localDatacenter())
                .withKeyspace(keyspace == null ? null : CqlIdentifier.fromCql(keyspace))
                .withConfigLoader(driverConfig(settings))
                .build();
    }

    static DriverConfigLoader driverConfig(WalletProperties.CassandraSettings settings) {
        return DriverConfigLoader.programmaticBuilder()
                .withString(DefaultDriverOption.SESSION_NAME, "wallet")
                .withString(DefaultDriverOption.LOAD_BALANCING_LOCAL_DATACENTER, settings.localDatacenter())
                .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, settings.requestTimeout())
                .withString(DefaultDriverOption.REQUEST_CONSISTENCY, consistency(settings.consistency()))
                // Lightweight transactions stay in the local datacenter, like the requests themselves.
                .withString(DefaultDriverOption.REQUEST_SERIAL_CONSISTENCY, DefaultConsistencyLevel.LOCAL_SERIAL.name())
                .withDuration(DefaultDriverOption.METADATA_SCHEMA_WINDOW, SCHEMA_REFRESH_WINDOW)
                // A closing session otherwise keeps its threads for a quiet period of 2 s, in case more
                // work comes; none does after close. The start closes one session (the keyspace's creator).
                .withInt(DefaultDriverOption.NETTY_IO_SHUTDOWN_QUIET_PERIOD, 0)
                .withInt(DefaultDriverOption.NETTY_ADMIN_SHUTDOWN_QUIET_PERIOD, 0)
                .build();
    }

    private static String consistency(String configured) {
        try {
            return DefaultConsistencyLevel.valueOf(configured.strip().toUpperCase(Locale.ROOT))
                    .name();
        } catch (IllegalArgumentException unknown) {
            throw new IllegalArgumentException("wallet.cassandra.consistency (WALLET_CASSANDRA_CONSISTENCY) "
                    + configured + " is not a consistency level, e.g. LOCAL_QUORUM, QUORUM, LOCAL_ONE");
        }
    }

    /** {@code host:port,host,[::1]:9042}: a port defaults to {@value #DEFAULT_PORT}. */
    static List<InetSocketAddress> contactPoints(String configured) {
        List<InetSocketAddress> addresses = new ArrayList<>();
        for (String entry : configured.split(",")) {
            String point = entry.strip();
            if (point.isEmpty()) {
                continue;
            }
            String host = point;
            String port = null;
            if (point.startsWith("[")) {
                int close = point.indexOf(']');
                if (close < 0 || (close + 1 < point.length() && point.charAt(close + 1) != ':')) {
                    throw new IllegalArgumentException(
                            "wallet.cassandra.contact-points: " + point + " is not [address]:port");
                }
                host = point.substring(1, close);
                port = close + 1 < point.length() ? point.substring(close + 2) : null;
            } else if (point.indexOf(':') > 0 && point.indexOf(':') == point.lastIndexOf(':')) {
                host = point.substring(0, point.indexOf(':'));
                port = point.substring(point.indexOf(':') + 1);
            }
            int number;
            try {
                number = port == null ? DEFAULT_PORT : Integer.parseInt(port);
            } catch (NumberFormatException notAPort) {
                throw new IllegalArgumentException("wallet.cassandra.contact-points: " + point + " is not host:port");
            }
            addresses.add(new InetSocketAddress(host, number));
        }
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("wallet.cassandra.contact-points names no host: " + configured);
        }
        return addresses;
    }

    /** The API reads the feed, the feed role writes it; relay and consumers do without Cassandra. */
    static boolean needsCassandra(WalletProperties properties) {
        return properties.runs("api") || properties.runs("feed");
    }
}
