package org.openwallet.platform;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Every setting of the wallet, bound from {@code wallet.*} (environment variables are mapped in
 * {@code application.properties} and documented in the README).
 */
@ConfigurationProperties("wallet")
public record WalletProperties(
        @DefaultValue("./data") Path dataDir,
        @DefaultValue Database database,
        @DefaultValue Http http,
        @DefaultValue Tokens tokens,
        @DefaultValue("USD") String defaultCurrency,
        Map<String, CurrencySettings> currencies,
        @DefaultValue Idempotency idempotency,
        @DefaultValue Demo demo,
        @DefaultValue RedisSettings redis,
        @DefaultValue Admin admin) {

    public WalletProperties {
        if (currencies == null || currencies.isEmpty()) {
            currencies = Map.of("USD", new CurrencySettings(2, "10000.00"));
        }
        if (!currencies.containsKey(defaultCurrency)) {
            throw new IllegalArgumentException("wallet.default-currency " + defaultCurrency + " is not in wallet.currencies " + currencies.keySet());
        }
    }

    /**
     * The ledger database. With no {@code url} an embedded PostgreSQL keeps its files under
     * {@code dataDir/postgres}.
     */
    public record Database(String url, String username, String password, @DefaultValue("16") int poolSize) {
        public boolean external() {
            return url != null && !url.isBlank();
        }
    }

    /** Bounds on what a client may send. */
    public record Http(@DefaultValue("16384") long maxBodyBytes) {
    }

    /** Access tokens (signed JWTs, ES256). Without {@code keyFile} the key lives in {@code dataDir/keys}. */
    public record Tokens(Path keyFile, @DefaultValue("15m") Duration ttl, @DefaultValue("openwallet") String issuer) {
    }

    /** A currency's minor-unit scale and the largest amount one transfer may move, as a decimal string. */
    public record CurrencySettings(int scale, String maxTransferAmount) {
    }

    /**
     * How long idempotency records are kept, and how many the pruner deletes per statement (it runs
     * every {@code wallet.idempotency.prune-interval}, 10 minutes by default).
     */
    public record Idempotency(@DefaultValue("24h") Duration retention, @DefaultValue("5000") int pruneBatchSize) {
    }

    /**
     * Redis. With neither {@code url} nor {@code clusterNodes} an embedded server is started, unless
     * {@code embedded} is false. Calls time out after {@code timeout}; after
     * {@code breakerFailureThreshold} failures in a row the wallet stops calling Redis for
     * {@code breakerOpenDuration}.
     */
    public record RedisSettings(String url, String clusterNodes, @DefaultValue("true") boolean embedded,
                                @DefaultValue("50ms") Duration timeout, @DefaultValue("200ms") Duration connectTimeout,
                                @DefaultValue("5") int breakerFailureThreshold, @DefaultValue("2s") Duration breakerOpenDuration) {
        public boolean external() {
            return (url != null && !url.isBlank()) || (clusterNodes != null && !clusterNodes.isBlank());
        }
    }

    /** Handles whose tokens carry the admin role (verification tiers, fraud decisions, blocked recipients). */
    public record Admin(@DefaultValue List<String> handles) {
    }

    /** Demo users, created only when asked ({@code ./wallet run --demo}). */
    public record Demo(@DefaultValue("false") boolean enabled) {
    }
}
