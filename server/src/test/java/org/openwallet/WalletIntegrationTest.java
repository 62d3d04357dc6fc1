package org.openwallet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Base of every test that needs the running wallet: the whole application on a random port, on a
 * real PostgreSQL that the application itself starts (embedded mode) in a fresh directory under
 * {@code target/}. Every subclass shares one application context and so one database; tests
 * therefore create their own users (see {@link Api#newUser}) and never assume an empty ledger.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
public abstract class WalletIntegrationTest {
    private static final Path DATA_DIR = createDataDir();

    @LocalServerPort
    int port;

    @Autowired
    protected JdbcClient jdbc;

    protected Api api;

    @DynamicPropertySource
    static void walletProperties(DynamicPropertyRegistry registry) {
        registry.add("wallet.data-dir", DATA_DIR::toString);
        registry.add("wallet.database.url", () -> "");
        registry.add("wallet.demo.enabled", () -> "false");
        // The shared context's tests send thousands of payments from one IP with few users: the
        // rate limits and fraud rules stay in the path, with bounds these tests never reach.
        // Their real defaults are tested in contexts of their own.
        for (String limit : new String[] {"transfer-per-user", "transfer-per-ip", "login-per-ip", "login-failures-per-handle"}) {
            registry.add("wallet.rate-limits.limits." + limit + ".capacity", () -> "100000000");
        }
        registry.add("wallet.fraud.velocity-max-count", () -> "100000000");
        registry.add("wallet.fraud.velocity-max-amount", () -> "100000000000.00");
        registry.add("wallet.fraud.weekly-limit-unverified", () -> "100000000000.00");
        registry.add("wallet.fraud.weekly-limit-verified", () -> "100000000000.00");
        registry.add("wallet.fraud.new-recipient-large-amount", () -> "100000000000.00");
        registry.add("wallet.fraud.new-ip-large-amount", () -> "100000000000.00");
        registry.add("wallet.fraud.budget", () -> "5s");
        // The suite runs on two loaded cores: a Redis call over the 50 ms production timeout would make
        // login fail closed (503) in tests that are not about Redis. The Redis tests set their own.
        registry.add("wallet.redis.timeout", () -> "500ms");
    }

    @BeforeEach
    void connectApi() {
        api = new Api("http://127.0.0.1:" + port);
    }

    private static Path createDataDir() {
        try {
            Path target = Path.of("target", "test-data");
            Files.createDirectories(target);
            return Files.createTempDirectory(target.toAbsolutePath(), "wallet-");
        } catch (IOException exception) {
            throw new IllegalStateException(exception);
        }
    }
}
