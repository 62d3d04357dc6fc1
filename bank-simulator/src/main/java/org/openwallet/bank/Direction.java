package org.openwallet.bank;

/**
 * Which way money moves on the customer's bank account: a deposit into the wallet is a DEBIT of the
 * customer's account (the bank pulls from it), a withdrawal from the wallet is a CREDIT to it.
 */
enum Direction {
    DEBIT("debit"),
    CREDIT("credit");

    private final String wireName;

    Direction(String wireName) {
        this.wireName = wireName;
    }

    String wireName() {
        return wireName;
    }

    /** The direction named {@code text} on the wire, or null for anything else. */
    static Direction fromWire(String text) {
        for (Direction direction : values()) {
            if (direction.wireName.equals(text)) {
                return direction;
            }
        }
        return null;
    }
}
