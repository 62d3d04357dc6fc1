package org.openwallet.transfer;

import java.util.UUID;

/** A transfer as the API shows it to one of its parties. */
record TransferView(
        UUID id,
        String type,
        String status,
        UUID fromUserId,
        String fromHandle,
        UUID toUserId,
        String toHandle,
        String amount,
        String currency,
        String note,
        String visibility,
        String createdAt) {}
