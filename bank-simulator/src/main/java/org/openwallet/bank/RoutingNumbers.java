package org.openwallet.bank;

/**
 * ABA routing transit numbers: nine digits whose last is a check digit. The weights 3, 7, 1 repeat
 * over the nine digits and the weighted sum must be a multiple of 10, so any single mistyped digit
 * and most swaps of neighbours are caught (the ABA's own rule, as printed on every US cheque).
 */
final class RoutingNumbers {
    private static final int[] WEIGHTS = {3, 7, 1, 3, 7, 1, 3, 7, 1};

    private RoutingNumbers() {}

    /** True for nine ASCII digits with a valid check digit; false for anything else, null included. */
    static boolean isValid(String routingNumber) {
        if (routingNumber == null || routingNumber.length() != WEIGHTS.length) {
            return false;
        }
        int sum = 0;
        for (int index = 0; index < WEIGHTS.length; index++) {
            char digit = routingNumber.charAt(index);
            if (digit < '0' || digit > '9') {
                return false;
            }
            sum += WEIGHTS[index] * (digit - '0');
        }
        return sum % 10 == 0;
    }
}
