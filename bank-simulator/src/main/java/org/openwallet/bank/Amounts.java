package org.openwallet.bank;

import java.util.regex.Pattern;

/**
 * Amounts on the wire are decimal strings of US dollars ({@code "12.50"}); inside they are a
 * {@code long} of cents. The largest is 99,999,999.99: an ACH entry's amount field has ten digits of
 * cents, so a real bank could not carry more in one transfer.
 */
final class Amounts {
    /** No sign, no exponent, no leading zeros, at most two decimals, at most eight digits of dollars. */
    private static final Pattern DECIMAL = Pattern.compile("(0|[1-9][0-9]{0,7})(\\.[0-9]{1,2})?");

    private Amounts() {}

    /** The amount in cents, or -1 when {@code text} is not a positive amount of the form above. */
    static long parseMinor(String text) {
        if (text == null || !DECIMAL.matcher(text).matches()) {
            return -1;
        }
        int point = text.indexOf('.');
        long dollars = Long.parseLong(point < 0 ? text : text.substring(0, point));
        String fraction = point < 0 ? "" : text.substring(point + 1);
        long cents = fraction.isEmpty() ? 0 : Long.parseLong(fraction.length() == 1 ? fraction + "0" : fraction);
        long minor = dollars * 100 + cents;
        return minor > 0 ? minor : -1;
    }

    /** {@code 1250} -> {@code "12.50"}. */
    static String format(long minor) {
        return (minor / 100) + "." + (minor % 100 < 10 ? "0" : "") + (minor % 100);
    }
}
