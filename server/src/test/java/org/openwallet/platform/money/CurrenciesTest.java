package org.openwallet.platform.money;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.openwallet.platform.config.WalletProperties;

/**
 * Per-currency settings fail safe at startup: a supported currency without its own limits, an
 * amount that does not fit its currency's scale, or an entry for a currency the wallet does not
 * hold stops the start; nothing falls back to the default currency's numbers.
 */
class CurrenciesTest {
    private final Currencies currencies = new Currencies(new WalletProperties(
            null,
            null,
            null,
            "USD",
            Map.of(
                    "USD",
                    new WalletProperties.CurrencySettings(2, "10000.00"),
                    "JPY",
                    new WalletProperties.CurrencySettings(0, "1000000")),
            null,
            null,
            null,
            null,
            null,
            null,
            null));

    @Test
    void requiredPerCurrency_readsEachAmountInItsOwnCurrencysMinorUnits() {
        Map<String, Long> limits = currencies.requiredPerCurrency(
                "wallet.test.limits",
                Map.of("USD", "999.99", "JPY", "99999"),
                (currency, amount) -> currency.parseSetting("max", amount));

        assertThat(limits).containsExactlyInAnyOrderEntriesOf(Map.of("USD", 999_99L, "JPY", 99_999L));
    }

    @Test
    void requiredPerCurrency_aSupportedCurrencyWithoutAnEntry_refusesToStart() {
        assertThatThrownBy(() -> currencies.requiredPerCurrency(
                        "wallet.test.limits",
                        Map.of("USD", "999.99"),
                        (currency, amount) -> currency.parseSetting("max", amount)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("wallet.test.limits has no entry for JPY");
    }

    @Test
    void perCurrency_anAmountWithMoreDecimalsThanItsCurrency_refusesToStart() {
        assertThatThrownBy(() -> currencies.perCurrency(
                        "wallet.test.limits",
                        Map.of("JPY", "0.25"),
                        (currency, amount) -> currency.parseSetting("min", amount)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("wallet.test.limits.JPY.min (0.25)");
    }

    @Test
    void perCurrency_anEntryForACurrencyTheWalletDoesNotHold_refusesToStart() {
        assertThatThrownBy(() -> currencies.perCurrency(
                        "wallet.test.limits",
                        Map.of("EUR", "10.00"),
                        (currency, amount) -> currency.parseSetting("max", amount)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("EUR is not in wallet.currencies");
    }

    @Test
    void perCurrency_aCurrencyWithoutAnEntry_isAbsent() {
        assertThat(currencies.perCurrency(
                        "wallet.test.limits",
                        Map.of("USD", "1.00"),
                        (currency, amount) -> currency.parseSetting("max", amount)))
                .containsOnlyKeys("USD");
    }
}
