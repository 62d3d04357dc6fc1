package org.openwallet.platform.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.openwallet.platform.database.Transactions;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Every setting of the wallet, bound from {@code wallet.*} (environment variables are mapped in
 * {@code application.properties} and documented in the README).
 */
@ConfigurationProperties("wallet")
public record WalletProperties(
        @DefaultValue("./data") Path dataDir,
        @DefaultValue Database database,
        @DefaultValue Http http,
        @DefaultValue("USD") String defaultCurrency,
        Map<String, CurrencySettings> currencies,
        @DefaultValue Idempotency idempotency,
        @DefaultValue Demo demo,
        @DefaultValue RedisSettings redis,
        @DefaultValue KafkaSettings kafka,
        @DefaultValue CassandraSettings cassandra,
        @DefaultValue HealthSettings health,
        @DefaultValue({"api", "relay", "consumers", "feed"}) List<String> roles) {

    public WalletProperties {
        if (currencies == null || currencies.isEmpty()) {
            currencies = Map.of("USD", new CurrencySettings(2, "10000.00"));
        }
        if (!currencies.containsKey(defaultCurrency)) {
            throw new IllegalArgumentException("wallet.default-currency " + defaultCurrency
                    + " is not in wallet.currencies " + currencies.keySet());
        }
    }

    /**
     * The ledger database. With no {@code url} an embedded PostgreSQL keeps its files under
     * {@code dataDir/postgres}.
     *
     * <p>Every pooled connection runs with {@code statementTimeout} and {@code lockTimeout} (0: no
     * limit): a statement stuck behind a lock, or a runaway query, ends with an error the caller
     * can answer (503, retry with the same Idempotency-Key) instead of holding a connection and its
     * caller without bound. The lock timeout is the shorter one: waiting for a row lock is the
     * usual way a payment gets stuck. Migrations, change data capture and operator work are
     * exempt (see {@code DatabaseConfiguration} and {@link Transactions#runWithoutStatementLimits}).
     *
     * <p>{@code maxSlotWalKeepSize} caps the WAL a replication slot may hold on the embedded server
     * (PostgreSQL's {@code max_slot_wal_keep_size}; negative: no cap). Without a cap a relay that
     * stays down fills the disk and stops the ledger; with it PostgreSQL gives up the slot instead,
     * and the relay must be re-seeded. An external server sets this itself.
     */
    public record Database(
            String url,
            String username,
            String password,
            @DefaultValue("16") int poolSize,
            @DefaultValue("5s") Duration statementTimeout,
            @DefaultValue("2s") Duration lockTimeout,
            @DefaultValue("4GB") DataSize maxSlotWalKeepSize) {
        public Database {
            if (statementTimeout.isNegative() || lockTimeout.isNegative()) {
                throw new IllegalArgumentException(
                        "wallet.database.statement-timeout and lock-timeout must be >= 0 (0: no limit)");
            }
            if (maxSlotWalKeepSize.toBytes() >= 0 && maxSlotWalKeepSize.toMegabytes() < 1) {
                throw new IllegalArgumentException(
                        "wallet.database.max-slot-wal-keep-size must be at least 1MB, or negative for no cap");
            }
        }

        public boolean external() {
            return url != null && !url.isBlank();
        }
    }

    /**
     * {@code /actuator/health} never waits for a component: the checks that reach PostgreSQL run in
     * the background every {@code interval}, and health answers with the latest result. A check
     * that has not answered for {@code timeout} past its turn makes its component DOWN (or, for
     * information that does not decide whether the node can serve, UNKNOWN), so a dead or hung
     * database shows within about {@code interval + timeout}.
     */
    public record HealthSettings(
            @DefaultValue("1s") Duration interval,
            @DefaultValue("1s") Duration timeout) {
        public HealthSettings {
            if (interval.isNegative() || interval.isZero() || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("wallet.health.interval and timeout must be > 0");
            }
        }
    }

    /**
     * Bounds on what a client may send, and the reverse proxies ({@code trustedProxies}, IP addresses
     * and CIDR ranges) whose {@code X-Forwarded-For} is believed; none by default (see {@code ClientAddress}).
     */
    public record Http(
            @DefaultValue("16384") long maxBodyBytes,
            @DefaultValue List<String> trustedProxies) {}

    /** A currency's minor-unit scale and the largest amount one transfer may move, as a decimal string. */
    public record CurrencySettings(int scale, String maxTransferAmount) {}

    /**
     * How long idempotency records are kept, and how many the pruner deletes per statement (it runs
     * every {@code wallet.idempotency.prune-interval}, 10 minutes by default).
     */
    public record Idempotency(
            @DefaultValue("24h") Duration retention,
            @DefaultValue("5000") int pruneBatchSize) {}

    /**
     * Redis. With neither {@code url} nor {@code clusterNodes} an embedded server is started, unless
     * {@code embedded} is false. Calls time out after {@code timeout}; after
     * {@code breakerFailureThreshold} failures in a row the wallet stops calling Redis for
     * {@code breakerOpenDuration}.
     */
    public record RedisSettings(
            String url,
            String clusterNodes,
            @DefaultValue("true") boolean embedded,
            @DefaultValue("50ms") Duration timeout,
            @DefaultValue("200ms") Duration connectTimeout,
            @DefaultValue("5") int breakerFailureThreshold,
            @DefaultValue("2s") Duration breakerOpenDuration) {
        public boolean external() {
            return (url != null && !url.isBlank()) || (clusterNodes != null && !clusterNodes.isBlank());
        }
    }

    /**
     * Kafka: external brokers ({@code bootstrapServers}) or, with none, an embedded broker under
     * {@code dataDir/kafka}. Topics are created with {@code partitions}, {@code replicationFactor}
     * and {@code minInsyncReplicas} (1/1 locally; 3/2 in production).
     */
    public record KafkaSettings(
            String bootstrapServers,
            @DefaultValue("12") int partitions,
            @DefaultValue("1") short replicationFactor,
            @DefaultValue("1") int minInsyncReplicas) {
        public boolean external() {
            return bootstrapServers != null && !bootstrapServers.isBlank();
        }
    }

    /**
     * Cassandra, the feed store: an external cluster ({@code contactPoints}, {@code host:port,...}) or,
     * with none, an embedded node under {@code dataDir/cassandra}, run on the JDK 17 in
     * {@code javaHome} (or the first one under {@code /usr/lib/jvm}) with {@code heapSize} of heap.
     *
     * <p>The wallet creates {@code keyspace} if it is missing, with {@code replication} (a CQL
     * replication map); without one, {@code {'class': 'SimpleStrategy', 'replication_factor': 1}} for
     * the embedded node and {@code {'class': 'NetworkTopologyStrategy', '<localDatacenter>': 3}} for a
     * cluster. An existing keyspace's replication is never changed (that needs a repair, run by hand).
     * Then it applies the scripts {@code V<n>__<description>.cql} in {@code schemaLocation}
     * (the feed's {@code CassandraSchema}). Requests run at {@code consistency} and time out after
     * {@code requestTimeout}.
     */
    public record CassandraSettings(
            String contactPoints,
            @DefaultValue("datacenter1") String localDatacenter,
            @DefaultValue("wallet") String keyspace,
            String replication,
            @DefaultValue("LOCAL_QUORUM") String consistency,
            @DefaultValue("2s") Duration requestTimeout,

            @DefaultValue(CassandraSettings.DEFAULT_SCHEMA_LOCATION)
            String schemaLocation,

            String javaHome,
            @DefaultValue("768m") String heapSize) {
        public static final String DEFAULT_SCHEMA_LOCATION = "classpath:db/cassandra";

        public boolean external() {
            return contactPoints != null && !contactPoints.isBlank();
        }

        /** The JDK 17 to run the embedded node on, or null to look for one. */
        public Path javaHomePath() {
            return javaHome == null || javaHome.isBlank() ? null : Path.of(javaHome.strip());
        }

        /** The replication map for {@code CREATE KEYSPACE}: the configured one, or the default of this mode. */
        public String replicationOrDefault() {
            if (replication != null && !replication.isBlank()) {
                return replication.strip();
            }
            return external()
                    ? "{'class': 'NetworkTopologyStrategy', '" + localDatacenter + "': 3}"
                    : "{'class': 'SimpleStrategy', 'replication_factor': 1}";
        }
    }

    /** Whether this process runs {@code role}: {@code api}, {@code relay}, {@code consumers} or {@code feed}. */
    public boolean runs(String role) {
        return roles.contains(role);
    }

    /** Demo users, created only when asked ({@code ./wallet run --demo}). */
    public record Demo(@DefaultValue("false") boolean enabled) {}
}
