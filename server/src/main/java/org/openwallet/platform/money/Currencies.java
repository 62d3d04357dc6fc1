package org.openwallet.platform.money;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.BiFunction;
import org.openwallet.platform.config.WalletProperties;
import org.springframework.stereotype.Component;

/** The currencies this wallet holds, from configuration, with their scales and per-transfer maximums. */
@Component
public class Currencies {
    /** A supported currency: ISO 4217 code, minor-unit scale, and the largest amount of one transfer in minor units. */
    public record Currency(String code, int scale, long maxTransferMinor) {
        public String format(long minor) {
            return Money.format(minor, scale);
        }

        public long parse(String amount) {
            return Money.parseMinor(amount, scale);
        }

        /** A configured amount in this currency's minor units; a missing or malformed one names {@code setting}. */
        public long parseSetting(String setting, String amount) {
            try {
                return parse(amount);
            } catch (IllegalArgumentException malformed) {
                throw new IllegalArgumentException(
                        setting + " (" + amount + "): " + malformed.getMessage() + " for " + code, malformed);
            }
        }
    }

    private final Map<String, Currency> byCode = new TreeMap<>();
    private final Currency defaultCurrency;

    public Currencies(WalletProperties properties) {
        properties.currencies().forEach((code, settings) -> {
            if (!code.matches("[A-Z]{3}") || settings.scale() < 0 || settings.scale() > 6) {
                throw new IllegalArgumentException("wallet.currencies." + code + " is not a valid currency setting");
            }
            long max = Money.parseMinor(settings.maxTransferAmount(), settings.scale());
            byCode.put(code, new Currency(code, settings.scale(), max));
        });
        defaultCurrency = byCode.get(properties.defaultCurrency());
    }

    public Optional<Currency> find(String code) {
        return Optional.ofNullable(byCode.get(code));
    }

    public Currency require(String code) {
        return find(code).orElseThrow(() -> new IllegalStateException("Currency " + code + " is not configured"));
    }

    public Currency defaultCurrency() {
        return defaultCurrency;
    }

    /**
     * A per-currency setting ({@code <setting>.<CODE>.*}) resolved for every supported currency,
     * its amounts read in that currency's own minor units (0.25 is no JPY amount). Refuses to start
     * when a supported currency has no entry, when an entry names a currency the wallet does not
     * hold (a typo would leave the real one unset), or when an amount does not fit its currency: a
     * limit never silently borrows another currency's number.
     */
    public <T, R> Map<String, R> requiredPerCurrency(
            String setting, Map<String, T> configured, BiFunction<Currency, T, R> resolve) {
        List<String> missing = byCode.keySet().stream()
                .filter(code -> configured == null || !configured.containsKey(code))
                .toList();
        if (!missing.isEmpty()) {
            throw new IllegalStateException(setting + " has no entry for " + String.join(", ", missing)
                    + ": every currency of " + "wallet.currencies needs its own limits, in its own units (e.g. "
                    + setting + "." + missing.getFirst() + ".*)");
        }
        return perCurrency(setting, configured, resolve);
    }

    /**
     * Like {@link #requiredPerCurrency}, for a setting whose absence for a currency has a safe meaning
     * of its own (e.g. no withdrawals in it): supported currencies without an entry are absent from
     * the result. Entries are still checked at startup.
     */
    public <T, R> Map<String, R> perCurrency(
            String setting, Map<String, T> configured, BiFunction<Currency, T, R> resolve) {
        Map<String, R> resolved = new TreeMap<>();
        if (configured == null) {
            return resolved;
        }
        configured.forEach((code, entry) -> {
            Currency currency = find(code)
                    .orElseThrow(() -> new IllegalStateException(setting + "." + code + " is set, but " + code
                            + " is not in wallet.currencies " + byCode.keySet()));
            try {
                resolved.put(code, resolve.apply(currency, entry));
            } catch (IllegalArgumentException malformed) {
                throw new IllegalStateException(setting + "." + code + "." + malformed.getMessage(), malformed);
            }
        });
        return resolved;
    }
}
