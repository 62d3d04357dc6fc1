package org.openwallet.bank;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RoutingNumbersTest {
    @Test
    void isValid_acceptsRealRoutingNumbers() {
        // JPMorgan Chase (New York), Bank of America, the Federal Reserve Bank of Boston, Wells Fargo (California).
        for (String routingNumber : new String[] {"021000021", "026009593", "011000015", "121000248"}) {
            assertTrue(RoutingNumbers.isValid(routingNumber), routingNumber);
        }
    }

    @Test
    void isValid_refusesAWrongCheckDigit_aSwap_theWrongLength_andNonDigits() {
        assertFalse(RoutingNumbers.isValid("021000022"), "wrong check digit");
        assertFalse(RoutingNumbers.isValid("120000021"), "first two digits swapped");
        assertFalse(RoutingNumbers.isValid("02100002"), "8 digits");
        assertFalse(RoutingNumbers.isValid("0210000210"), "10 digits");
        assertFalse(RoutingNumbers.isValid("02100002a"));
        assertFalse(RoutingNumbers.isValid("０２１０００021"), "full-width digits are not digits here");
        assertFalse(RoutingNumbers.isValid(""));
        assertFalse(RoutingNumbers.isValid(null));
    }
}
