package org.openwallet.transfer;

import java.util.UUID;

/**
 * Payload of the {@code transfer.posted} event, version 1 (schema: {@code events/transfer.posted.v1.json}).
 * Published on {@code wallet.transfer}, keyed by the sender.
 */
record TransferPosted(
        UUID transferId,
        UUID fromUserId,
        String fromHandle,
        UUID toUserId,
        String toHandle,
        String amount,
        String currency,
        String note,
        String visibility,
        String createdAt) {
    static final String TYPE = "transfer.posted";
    static final int VERSION = 1;
}
