package org.openwallet.transfer;

/** The body of {@code POST /v1/transfers}, as sent. All fields are strings; unknown fields are refused. */
record TransferRequest(
        String toUserId, String toHandle, String amount, String currency, String note, String visibility) {}
