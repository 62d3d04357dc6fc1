package org.openwallet.platform;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
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
}
