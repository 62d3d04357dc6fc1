package org.openwallet.bank;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * What the bank tells the wallet when a transfer reaches its outcome. One event per transfer; every
 * delivery of it (retries, duplicates) carries the same {@code event_id} and the same body.
 */
record WebhookEvent(String eventId, Transfer transfer) {

    static WebhookEvent of(Transfer completed) {
        if (completed.status() == TransferStatus.ACCEPTED) {
            throw new IllegalArgumentException("Transfer " + completed.id() + " has no outcome yet");
        }
        return new WebhookEvent("evt_" + UUID.randomUUID().toString().replace("-", ""), completed);
    }

    String type() {
        return transfer.status().eventType();
    }

    Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("event_id", eventId);
        json.put("type", type());
        json.put("bank_transfer_id", transfer.id());
        json.put("request_id", transfer.request().requestId());
        json.put("direction", transfer.request().direction().wireName());
        json.put("amount", Amounts.format(transfer.request().amountMinor()));
        json.put("currency", transfer.request().currency());
        json.put(
                "reason_code",
                transfer.reasonCode() == null ? null : transfer.reasonCode().name());
        json.put("occurred_at", occurredAt().toString());
        return json;
    }

    Instant occurredAt() {
        return transfer.completedAt();
    }
}
