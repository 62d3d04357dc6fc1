package org.openwallet.platform.money;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class MoneyTest {
    @ParameterizedTest
    @CsvSource({
        "0,2,0",
        "12.50,2,1250",
        "12.5,2,1250",
        "12,2,1200",
        "0.01,2,1",
        "100,0,100",
        "1.234,3,1234",
        "92233720368547758.07,2,9223372036854775807"
    })
    void parseMinor_readsDecimalStrings(String text, int scale, long minor) {
        assertThat(Money.parseMinor(text, scale)).isEqualTo(minor);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "-1",
                "+1",
                "1.",
                ".5",
                "01",
                "1e3",
                "1,00",
                " 1",
                "1 ",
                "abc",
                "1.234",
                "NaN",
                "92233720368547758.08",
                "999999999999999999"
            })
    void parseMinor_refusesAnythingElse(String text) {
        assertThatThrownBy(() -> Money.parseMinor(text, 2)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @CsvSource({"0,2,0.00", "1,2,0.01", "1250,2,12.50", "-1250,2,-12.50", "100,0,100", "5,3,0.005"})
    void format_writesExactlyScaleDecimals(long minor, int scale, String text) {
        assertThat(Money.format(minor, scale)).isEqualTo(text);
    }
}
