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

/**
 * {@code ./wallet tokens rotate} and {@code ./wallet tokens list}: the token signing keys. Rotation
 * adds a key that new tokens are signed with (running nodes pick it up within
 * {@code wallet.tokens.key-set-refresh-interval}, or at once when they meet a token it signed) and
 * prunes keys superseded longer ago than a token lives; nobody is logged out. It reads only the
 * settings and the key file, never the database, so it runs beside a running wallet.
 */
public final class TokensCommand {
    public static final String USAGE = "usage: tokens rotate | tokens list";

    private TokensCommand() {}

    /** Binds the wallet's settings, nothing else. */
    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties({WalletProperties.class, TokenProperties.class})
    static class Settings {}

    /** Runs the command; returns the exit status. */
    public static int run(String[] args) {
        if (args.length != 1 || !(args[0].equals("rotate") || args[0].equals("list"))) {
            System.err.println(USAGE);
            return 2;
        }
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(Settings.class)
                .web(WebApplicationType.NONE)
                .bannerMode(Banner.Mode.OFF)
                .logStartupInfo(false)
                .properties("logging.level.root=WARN")
                .run()) {
            Path dataDir = context.getBean(WalletProperties.class).dataDir();
            TokenProperties tokens = context.getBean(TokenProperties.class);
            Path keySetFile = tokens.keySetFileIn(dataDir);
            Path legacyKeyFile = tokens.legacyKeyFileIn(dataDir);
            if (args[0].equals("list")) {
                SigningKeys.describe(SigningKeys.loadOrCreate(keySetFile, legacyKeyFile, Clock.systemUTC()))
                        .forEach(System.out::println);
                return 0;
            }
            SigningKeys.Rotation rotation =
                    SigningKeys.rotate(keySetFile, legacyKeyFile, retention(tokens), Clock.systemUTC());
            System.out.println("tokens: added key " + rotation.added().getKeyID() + " to " + keySetFile
                    + (rotation.pruned().isEmpty() ? "" : "; pruned " + String.join(", ", rotation.pruned())));
            SigningKeys.describe(rotation.keys()).forEach(line -> System.out.println("  " + line));
            return 0;
        }
    }

    /** How long a superseded key must stay: nodes may sign with it until they re-read the set, and its tokens live on. */
    static Duration retention(TokenProperties tokens) {
        return tokens.ttl().plus(tokens.keySetRefreshInterval()).plus(SigningKeys.PRUNE_MARGIN);
    }
}
