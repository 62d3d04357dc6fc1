package org.openwallet.bank;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class AmountsTest {
    @Test
    void parseMinor_readsUpToTwoDecimals() {
        assertEquals(1250, Amounts.parseMinor("12.50"));
        assertEquals(1250, Amounts.parseMinor("12.5"));
        assertEquals(1200, Amounts.parseMinor("12"));
        assertEquals(1, Amounts.parseMinor("0.01"));
        assertEquals(9_999_999_999L, Amounts.parseMinor("99999999.99"));
    }

    @Test
    void parseMinor_refusesZero_negative_threeDecimals_exponents_leadingZeros_andTooLarge() {
        for (String text : new String[] {
            "0", "0.00", "-1.00", "12.505", "1e3", "01.00", ".5", "5.", "100000000.00", " 1.00", "", "1,00"
        }) {
            assertEquals(-1, Amounts.parseMinor(text), text);
        }
        assertEquals(-1, Amounts.parseMinor(null));
    }

    @Test
    void format_alwaysWritesTwoDecimals() {
        assertEquals("12.50", Amounts.format(1250));
        assertEquals("0.05", Amounts.format(5));
        assertEquals("100.00", Amounts.format(10000));
    }
}
