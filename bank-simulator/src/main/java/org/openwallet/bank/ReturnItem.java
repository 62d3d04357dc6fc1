package org.openwallet.bank;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One late return in the report of the day of {@code returnedAt} (UTC): a transfer that settled
 * (it stays in the settlement items of its own day, where the money moved) and that the bank took
 * back later, with its reason code.
 */
record ReturnItem(
        String bankTransferId,
        String requestId,
        Direction direction,
        long amountMinor,
        String currency,
        ReasonCode reasonCode,
        Instant settledAt,
        Instant returnedAt) {

    Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("bank_transfer_id", bankTransferId);
        json.put("request_id", requestId);
        json.put("direction", direction.wireName());
        json.put("amount", Amounts.format(amountMinor));
        json.put("currency", currency);
        json.put("reason_code", reasonCode.name());
        json.put("settled_at", settledAt.toString());
        json.put("returned_at", returnedAt.toString());
        return json;
    }
}
