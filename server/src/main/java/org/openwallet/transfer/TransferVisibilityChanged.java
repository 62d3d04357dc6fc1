package org.openwallet.transfer;

import java.util.UUID;

/**
 * Payload of the {@code transfer.visibility_changed} event, version 1 (schema:
 * {@code events/transfer.visibility_changed.v1.json}): a party made a transfer more private.
 * Published on {@code wallet.transfer}, keyed by the sender like {@code transfer.posted}, so it
 * always follows the transfer's own event.
 */
record TransferVisibilityChanged(
        UUID transferId, UUID fromUserId, UUID toUserId, String visibility, UUID changedBy, String changedAt) {
    static final String TYPE = "transfer.visibility_changed";
    static final int VERSION = 1;
}
