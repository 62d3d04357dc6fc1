package org.openwallet.platform.money;

import java.util.regex.Pattern;

/**
 * Amounts at the API edge: decimal strings such as {@code "12.50"} in, decimal strings out. Inside
 * the wallet an amount is a {@code long} of minor units plus a currency whose scale says how many
 * decimals it has.
 */
public final class Money {
    private static final Pattern DECIMAL = Pattern.compile("(0|[1-9][0-9]{0,17})(?:\\.([0-9]+))?");

    private Money() {}

    /**
     * Parses a non-negative decimal string with at most {@code scale} decimals into minor units.
     *
     * @throws IllegalArgumentException with a message fit for a client when the text is not such an amount
     */
    public static long parseMinor(String text, int scale) {
        if (text == null) {
            throw new IllegalArgumentException("amount is required");
        }
        var match = DECIMAL.matcher(text);
        if (!match.matches()) {
            throw new IllegalArgumentException("amount must be a decimal string such as \"12.50\"");
        }
        String fraction = match.group(2) == null ? "" : match.group(2);
        if (fraction.length() > scale) {
            throw new IllegalArgumentException("amount has more than " + scale + " decimals");
        }
        long fractionMinor = fraction.isEmpty() ? 0 : Long.parseLong(fraction) * pow10(scale - fraction.length());
        try {
            return Math.addExact(Math.multiplyExact(Long.parseLong(match.group(1)), pow10(scale)), fractionMinor);
        } catch (ArithmeticException overflow) {
            throw new IllegalArgumentException("amount is too large");
        }
    }

    /** Formats minor units as a decimal string with exactly {@code scale} decimals. */
    public static String format(long minor, int scale) {
        if (scale == 0) {
            return Long.toString(minor);
        }
        String sign = minor < 0 ? "-" : "";
        String digits = Long.toString(Math.abs(minor));
        if (digits.length() <= scale) {
            digits = "0".repeat(scale - digits.length() + 1) + digits;
        }
        int point = digits.length() - scale;
        return sign + digits.substring(0, point) + "." + digits.substring(point);
    }

    private static long pow10(int exponent) {
        long value = 1;
        for (int i = 0; i < exponent; i++) {
            value *= 10;
        }
        return value;
    }
}
