package org.openwallet.bank;

/** Where a transfer stands. Every transfer starts ACCEPTED and ends in exactly one of the other three. */
enum TransferStatus {
    ACCEPTED("accepted", null),
    SETTLED("settled", "transfer.settled"),
    /** A debit the customer's bank refused: no money moved. */
    FAILED("failed", "transfer.failed"),
    /** A credit the customer's bank sent back (ACH return): the money comes back to the wallet. */
    RETURNED("returned", "transfer.returned");

    private final String wireName;
    private final String eventType;

    TransferStatus(String wireName, String eventType) {
        this.wireName = wireName;
        this.eventType = eventType;
    }

    String wireName() {
        return wireName;
    }

    /** The webhook event type announcing this outcome; null for ACCEPTED, which is announced by the 202. */
    String eventType() {
        return eventType;
    }
}
