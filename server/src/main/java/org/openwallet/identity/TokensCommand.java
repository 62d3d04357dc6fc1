package org.openwallet.identity;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.openwallet.platform.config.WalletProperties;
import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code ./wallet tokens rotate} and {@code ./wallet tokens list}: the token signing keys. Rotation
 * adds a key that new tokens are signed with (running nodes pick it up within
 * {@code wallet.tokens.key-set-refresh-interval}, or at once when they meet a token it signed) and
 * prunes keys superseded longer ago than a token lives; nobody is logged out. It reads only the
 * settings and the key file, never the database, so it runs beside a running wallet.
 */
@Command(name = "tokens", description = "List or rotate the token signing keys.")
public final class TokensCommand {
    /** Binds the wallet's settings, nothing else. */
    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties({WalletProperties.class, TokenProperties.class})
    static class Settings {}

    /** Runs {@code args} ({@code list} or {@code rotate}); returns the exit status, 2 for anything else. */
    public static int run(String... args) {
        return new CommandLine(new TokensCommand()).execute(args);
    }

    @Command(name = "list", description = "Print the signing keys, newest last.")
    int list() {
        try (KeyFiles files = KeyFiles.open()) {
            SigningKeys.describe(SigningKeys.loadOrCreate(files.keySet(), files.legacy(), Clock.systemUTC()))
                    .forEach(System.out::println);
            return 0;
        }
    }

    @Command(name = "rotate", description = "Add a key new tokens are signed with; prune keys no token can need.")
    int rotate() {
        try (KeyFiles files = KeyFiles.open()) {
            SigningKeys.Rotation rotation =
                    SigningKeys.rotate(files.keySet(), files.legacy(), retention(files.tokens()), Clock.systemUTC());
            System.out.println("tokens: added key " + rotation.added().getKeyID() + " to " + files.keySet()
                    + (rotation.pruned().isEmpty() ? "" : "; pruned " + String.join(", ", rotation.pruned())));
            SigningKeys.describe(rotation.keys()).forEach(line -> System.out.println("  " + line));
            return 0;
        }
    }

    /** The key files the settings name, read in a context that binds the settings and nothing else. */
    private record KeyFiles(ConfigurableApplicationContext context, TokenProperties tokens, Path keySet, Path legacy)
            implements AutoCloseable {
        static KeyFiles open() {
            ConfigurableApplicationContext context = new SpringApplicationBuilder(Settings.class)
                    .web(WebApplicationType.NONE)
                    .bannerMode(Banner.Mode.OFF)
                    .logStartupInfo(false)
                    // Settings and the key file only: no embedded servers even where devstack is on the classpath.
                    .properties("logging.level.root=WARN", "wallet.devstack.enabled=false")
                    .run();
            Path dataDir = context.getBean(WalletProperties.class).dataDir();
            TokenProperties tokens = context.getBean(TokenProperties.class);
            return new KeyFiles(context, tokens, tokens.keySetFileIn(dataDir), tokens.legacyKeyFileIn(dataDir));
        }

        @Override
        public void close() {
            context.close();
        }
    }

    /** How long a superseded key must stay: nodes may sign with it until they re-read the set, and its tokens live on. */
    static Duration retention(TokenProperties tokens) {
        return tokens.ttl().plus(tokens.keySetRefreshInterval()).plus(SigningKeys.PRUNE_MARGIN);
    }
}
