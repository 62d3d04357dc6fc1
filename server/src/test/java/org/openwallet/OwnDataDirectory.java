package org.openwallet;

import java.util.Map;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.MapPropertySource;

/**
 * Gives a test context of a {@link WalletIntegrationTest} subclass a fresh data directory, and so a
 * PostgreSQL, Redis and Kafka of its own, while keeping everything else the base class sets up (the
 * {@code api} client, limits out of reach).
 *
 * <p>Tests that stop the relay, restart the broker or publish forged records must not disturb the
 * context other test classes share, and two running wallets cannot share a data directory. The base class sets
 * {@code wallet.data-dir} with {@code @DynamicPropertySource}, which a subclass cannot override;
 * this initializer runs after the dynamic properties were added and puts its value in front.
 * Use it together with a {@code @TestPropertySource} property unique to the class, so each class
 * gets a context (and directory) of its own, and with {@code @DirtiesContext}, so the context is
 * closed when the class is done instead of idling in the context cache.
 */
@Order(Ordered.LOWEST_PRECEDENCE)
public class OwnDataDirectory implements ApplicationContextInitializer<ConfigurableApplicationContext> {
    /** The start of the name of every directory this initializer hands out. */
    public static final String PREFIX = "wallet-own-";

    @Override
    public void initialize(ConfigurableApplicationContext context) {
        context.getEnvironment()
                .getPropertySources()
                .addFirst(new MapPropertySource(
                        "own-test-data-dir",
                        Map.of(
                                "wallet.data-dir",
                                WalletIntegrationTest.newDataDir(PREFIX).toString())));
    }
}
