package org.openwallet.notification;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.MapPropertySource;

/**
 * Gives a test context a fresh data directory, and so a PostgreSQL, Redis and Kafka of its own:
 * two running wallets cannot share a data directory.
 *
 * <p>The base class sets {@code wallet.data-dir} with {@code @DynamicPropertySource}, which a
 * subclass's own such method cannot override (the base class's value wins) and a registrar bean
 * comes too late for; this initializer runs after the dynamic properties were added and puts its
 * value in front of them. Use it with a {@code @TestPropertySource} property unique to the class
 * ({@code wallet.test.context=<name>}) and {@code @DirtiesContext}, so the context is closed when
 * the class is done instead of slowing later tests down from the context cache.
 */
@Order(Ordered.LOWEST_PRECEDENCE)
class OwnDataDirectory implements ApplicationContextInitializer<ConfigurableApplicationContext> {
    static final String PREFIX = "wallet-notifications-";

    @Override
    public void initialize(ConfigurableApplicationContext context) {
        Path directory;
        try {
            Path target = Path.of("target", "test-data");
            Files.createDirectories(target);
            directory = Files.createTempDirectory(target.toAbsolutePath(), PREFIX);
        } catch (IOException exception) {
            throw new IllegalStateException(exception);
        }
        context.getEnvironment().getPropertySources()
                .addFirst(new MapPropertySource("notification-test-data-dir", Map.of("wallet.data-dir", directory.toString())));
    }
}
