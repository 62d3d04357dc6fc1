package org.openwallet.bank;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** One line of the settlement report: money that actually moved, on the day of {@code settledAt} (UTC). */
record SettlementItem(
        String bankTransferId,
        String requestId,
        Direction direction,
        long amountMinor,
        String currency,
        Instant settledAt) {

    Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("bank_transfer_id", bankTransferId);
        json.put("request_id", requestId);
        json.put("direction", direction.wireName());
        json.put("amount", Amounts.format(amountMinor));
        json.put("currency", currency);
        json.put("settled_at", settledAt.toString());
        return json;
    }
}
