package org.openwallet.funding;

import java.util.Map;
import java.util.Optional;

/** US ABA routing numbers: nine digits whose weighted sum (3, 7, 1, ...) is a multiple of ten. */
final class RoutingNumbers {
    /** A few well-known routing numbers, for a friendlier account list; unknown ones are fine. */
    private static final Map<String, String> BANKS = Map.of(
            "021000021", "JPMorgan Chase",
            "026009593", "Bank of America",
            "121000248", "Wells Fargo",
            "011000015", "Federal Reserve Bank of Boston",
            "110000000", "Bank Simulator");

    private RoutingNumbers() {}

    static boolean isValid(String routingNumber) {
        if (routingNumber == null || !routingNumber.matches("[0-9]{9}")) {
            return false;
        }
        int[] weights = {3, 7, 1, 3, 7, 1, 3, 7, 1};
        int sum = 0;
        for (int i = 0; i < 9; i++) {
            sum += (routingNumber.charAt(i) - '0') * weights[i];
        }
        return sum % 10 == 0;
    }

    static Optional<String> bankName(String routingNumber) {
        return Optional.ofNullable(BANKS.get(routingNumber));
    }
}
