package org.openwallet.funding;

import java.io.Serial;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * One bank webhook event, read strictly: every field of the contract (docs/bank-simulator.md) is
 * present and well formed, or the event is refused. The webhook answers a malformed one 400 before
 * anything is stored; the consumer reads the stored copy with the same rules.
 */
record BankEvent(
        String eventId,
        String type,
        String bankTransferId,
        String requestId,
        BankNetwork.Direction direction,
        String amount,
        String currency,
        String reasonCode,
        Instant occurredAt) {
    static final Set<String> TYPES = Set.of("transfer.settled", "transfer.failed", "transfer.returned");
    /** The longest id or code the wallet keeps from the bank. */
    static final int MAX_TEXT = 200;
    /**
     * The contract's amounts: two decimals, no sign, exponent or leading zeros, at most 99999999.99
     * (an ACH amount field). Anything else ({@code "1e400"}, a JSON number) is refused, never rounded.
     */
    private static final Pattern AMOUNT = Pattern.compile("(0|[1-9][0-9]{0,7})\\.[0-9]{2}");

    /** Why the payload is not a bank event. */
    static final class Malformed extends RuntimeException {
        @Serial
        private static final long serialVersionUID = 1L;

        Malformed(String message) {
            super(message, null, false, false);
        }
    }

    static BankEvent parse(JsonNode event) {
        if (event == null || !event.isObject()) {
            throw new Malformed("the body is not a JSON object");
        }
        String eventId = text(event, "event_id");
        String type = text(event, "type");
        if (!TYPES.contains(type)) {
            throw new Malformed("unknown event type " + type);
        }
        String bankTransferId = text(event, "bank_transfer_id");
        String requestId = text(event, "request_id");
        BankNetwork.Direction direction = switch (text(event, "direction")) {
            case "debit" -> BankNetwork.Direction.DEBIT;
            case "credit" -> BankNetwork.Direction.CREDIT;
            default -> throw new Malformed("direction must be debit or credit");
        };
        String amount = text(event, "amount");
        if (!AMOUNT.matcher(amount).matches() || amount.equals("0.00")) {
            throw new Malformed("amount must be a positive decimal string with two decimals, at most 99999999.99");
        }
        String currency = text(event, "currency");
        if (!currency.matches("[A-Z]{3}")) {
            throw new Malformed("currency must be an ISO 4217 code");
        }
        JsonNode reason = event.get("reason_code");
        if (reason == null) {
            throw new Malformed("reason_code is required (null for transfer.settled)");
        }
        String reasonCode = reason.isNull() ? null : text(event, "reason_code");
        if ((reasonCode == null) != type.equals("transfer.settled")) {
            throw new Malformed("reason_code must be null for transfer.settled and given otherwise");
        }
        Instant occurredAt;
        try {
            occurredAt = Instant.parse(text(event, "occurred_at"));
        } catch (DateTimeParseException invalid) {
            throw new Malformed("occurred_at must be an ISO-8601 instant");
        }
        return new BankEvent(
                eventId, type, bankTransferId, requestId, direction, amount, currency, reasonCode, occurredAt);
    }

    private static String text(JsonNode event, String field) {
        JsonNode value = event.get(field);
        if (value == null
                || !value.isString()
                || value.asString().isBlank()
                || value.asString().length() > MAX_TEXT) {
            throw new Malformed("the event has no valid '" + field + "'");
        }
        return value.asString();
    }
}
