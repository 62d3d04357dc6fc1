package org.openwallet.bank;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One transfer at the bank. Immutable: completing it makes a new record. Its outcome is decided when
 * it is accepted (from the account number's test trigger and the failure rate in force then) and
 * happens at {@code dueAt}; until then it is ACCEPTED.
 *
 * @param sequence       the order of acceptance; breaks ties between transfers due at the same instant
 * @param outcome        SETTLED, FAILED or RETURNED: what will happen at {@code dueAt}
 * @param outcomeReason  the reason code of a FAILED or RETURNED outcome, else null
 * @param status         ACCEPTED until {@code dueAt}, then {@code outcome}
 * @param completedAt    null while ACCEPTED, then {@code dueAt}
 */
record Transfer(
        String id,
        long sequence,
        TransferRequest request,
        Instant acceptedAt,
        Instant dueAt,
        TransferStatus outcome,
        ReasonCode outcomeReason,
        TransferStatus status,
        Instant completedAt) {

    Transfer completed() {
        return new Transfer(id, sequence, request, acceptedAt, dueAt, outcome, outcomeReason, outcome, dueAt);
    }

    /** The reason code once the transfer has failed or been returned; null before and when settled. */
    ReasonCode reasonCode() {
        return status == TransferStatus.ACCEPTED ? null : outcomeReason;
    }

    /** The body of {@code GET /v1/transfers/{id}}. */
    Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("bank_transfer_id", id);
        json.put("request_id", request.requestId());
        json.put("direction", request.direction().wireName());
        json.put("amount", Amounts.format(request.amountMinor()));
        json.put("currency", request.currency());
        json.put("status", status.wireName());
        json.put("reason_code", reasonCode() == null ? null : reasonCode().name());
        json.put("accepted_at", acceptedAt.toString());
        json.put("completed_at", completedAt == null ? null : completedAt.toString());
        return json;
    }
}
