package org.openwallet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.openwallet.ledger.Ledger;
import org.openwallet.platform.database.Transactions;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Base of every test that needs the running wallet: the whole application on a random port, on a
 * real PostgreSQL that the application itself starts (embedded mode) in a fresh directory under
 * {@code target/}, and the test JVM's one Cassandra node ({@link TestCassandra}). Every subclass shares one application context and so one database; tests
 * therefore create their own users (see {@link Api#newUser}) and never assume an empty ledger.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
public abstract class WalletIntegrationTest {
    private static final Path DATA_DIR = newDataDir();

    @LocalServerPort
    int port;
    /** The actuator's own port (health with details, Prometheus), 127.0.0.1 only. */
    @LocalManagementPort
    protected int managementPort;

    @Autowired
    protected JdbcClient jdbc;

    @Autowired
    protected Transactions transactions;

    @Autowired
    protected Ledger ledger;

    protected Api api;
    /** A client of the management port. */
    protected Api management;

    @DynamicPropertySource
    static void walletProperties(DynamicPropertyRegistry registry) {
        ownWallet(registry, DATA_DIR);
        limitsOutOfReach(registry);
    }

    /**
     * A wallet of its own: embedded PostgreSQL, Redis and Kafka in {@code dataDir}, no demo users, and
     * the test JVM's one Cassandra node ({@link TestCassandra}). For test classes that need a context
     * of their own (they cannot extend this class and override its data directory: Spring applies a
     * subclass's property sources before its superclass's).
     */
    public static void ownWallet(DynamicPropertyRegistry registry, Path dataDir) {
        registry.add("wallet.data-dir", dataDir::toString);
        registry.add("wallet.database.url", () -> "");
        registry.add("wallet.demo.enabled", () -> "false");
        // The embedded bank simulator settles after this delay: long enough that tests decide every
        // outcome themselves with signed webhooks. End-to-end tests of the simulator set their own.
        registry.add("wallet.funding.simulator-delay", () -> "1h");
        // Every context of the suite signs up more users from 127.0.0.1 than the shipped 20 per hour,
        // and runs bursts of sign-ups and logins on two loaded cores, where a password hash may wait
        // longer than the shipped second for a permit. Both bounds are tested in
        // identity.SignUpLimitsApiTest, in a context of its own.
        registry.add("wallet.rate-limits.limits.signup-per-ip.capacity", () -> "100000000");
        registry.add("wallet.passwords.hash-wait", () -> "30s");
        // A management port of its own for each context (several run in one JVM), on 127.0.0.1 as shipped.
        registry.add("management.server.port", () -> "0");
        TestCassandra.register(registry);
    }

    /**
     * Rate limits and fraud rules stay in the path, with bounds tests never reach: the suite sends
     * thousands of payments from one IP with few users. Their real defaults are tested in contexts
     * of their own. A later registration of the same property wins.
     */
    public static void limitsOutOfReach(DynamicPropertyRegistry registry) {
        for (String limit : new String[] {
            "transfer-per-user",
            "transfer-per-ip",
            "login-per-ip",
            "login-failures-per-handle-and-ip",
            "login-failures-per-handle",
            "withdrawal-per-user",
            "bank-link-per-user"
        }) {
            registry.add("wallet.rate-limits.limits." + limit + ".capacity", () -> "100000000");
        }
        registry.add("wallet.fraud.velocity-max-count", () -> "100000000");
        registry.add("wallet.fraud.limits.USD.velocity-max-amount", () -> "100000000000.00");
        registry.add("wallet.fraud.limits.USD.weekly-limit-unverified", () -> "100000000000.00");
        registry.add("wallet.fraud.limits.USD.weekly-limit-verified", () -> "100000000000.00");
        registry.add("wallet.fraud.limits.USD.new-recipient-large-amount", () -> "100000000000.00");
        registry.add("wallet.fraud.limits.USD.new-ip-large-amount", () -> "100000000000.00");
        registry.add("wallet.fraud.budget", () -> "5s");
        registry.add("wallet.funding.withdrawal-weekly-limits.USD.unverified", () -> "100000000000.00");
        registry.add("wallet.funding.withdrawal-weekly-limits.USD.verified", () -> "100000000000.00");
        registry.add("wallet.funding.withdrawal-velocity-max-count", () -> "100000000");
        // The suite runs on two loaded cores: a Redis call over the 50 ms production timeout would make
        // login fail closed (503) in tests that are not about Redis. The Redis tests set their own.
        registry.add("wallet.redis.timeout", () -> "500ms");
    }

    /** A fresh data directory under {@code target/test-data}. */
    public static Path newDataDir() {
        return newDataDir("wallet-");
    }

    /** A fresh data directory under {@code target/test-data} whose name starts with {@code prefix}. */
    public static Path newDataDir(String prefix) {
        try {
            Path target = Path.of("target", "test-data");
            Files.createDirectories(target);
            return Files.createTempDirectory(target.toAbsolutePath(), prefix);
        } catch (IOException exception) {
            throw new IllegalStateException(exception);
        }
    }

    @BeforeEach
    void connectApi() {
        api = new Api("http://127.0.0.1:" + port);
        management = new Api("http://127.0.0.1:" + managementPort);
    }

    /** A new user holding {@code amountMinor} USD (no wallet opened when 0). */
    protected Api.User fundedUser(long amountMinor) {
        return LedgerTestSupport.fundedUser(api, transactions, ledger, amountMinor);
    }
}
