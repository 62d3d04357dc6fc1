package org.openwallet.bank;

import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A transfer as the wallet asked for it, validated. The bank checks everything itself: the wallet
 * validates too, but a bank never trusts its client. Two requests are "the same body" for the
 * idempotency rule when these records are equal, so {@code "12.5"} and {@code "12.50"} are the same
 * amount and a reordering or re-spacing of the JSON changes nothing.
 */
record TransferRequest(
        String requestId,
        Direction direction,
        String routingNumber,
        String accountNumber,
        String holderName,
        long amountMinor,
        String currency) {

    static final int REQUEST_ID_MAX_LENGTH = 255;
    static final int HOLDER_NAME_MAX_LENGTH = 100;
    static final String CURRENCY = "USD";
    private static final Pattern REQUEST_ID = Pattern.compile("[\\x21-\\x7E]{1," + REQUEST_ID_MAX_LENGTH + "}");
    private static final Pattern ACCOUNT_NUMBER = Pattern.compile("[0-9]{4,17}");
    private static final Set<String> FIELDS =
            Set.of("request_id", "direction", "routing_number", "account_number", "holder_name", "amount", "currency");

    /** Reads the JSON body of {@code POST /v1/transfers}; throws a 400 {@link ApiException} naming the first bad field. */
    static TransferRequest parse(Map<String, Object> body) {
        for (String field : body.keySet()) {
            if (!FIELDS.contains(field)) {
                throw ApiException.badRequest("unknown_field", "Unknown field " + field);
            }
        }
        String requestId = string(body, "request_id", "invalid_request_id");
        if (!REQUEST_ID.matcher(requestId).matches()) {
            throw ApiException.badRequest(
                    "invalid_request_id",
                    "request_id must be 1 to " + REQUEST_ID_MAX_LENGTH + " printable ASCII characters without spaces");
        }
        Direction direction = Direction.fromWire(string(body, "direction", "invalid_direction"));
        if (direction == null) {
            throw ApiException.badRequest("invalid_direction", "direction must be \"debit\" or \"credit\"");
        }
        String routingNumber = string(body, "routing_number", "invalid_routing_number");
        if (!RoutingNumbers.isValid(routingNumber)) {
            throw ApiException.badRequest(
                    "invalid_routing_number", "routing_number must be 9 digits with a valid ABA check digit");
        }
        String accountNumber = string(body, "account_number", "invalid_account_number");
        if (!ACCOUNT_NUMBER.matcher(accountNumber).matches()) {
            throw ApiException.badRequest("invalid_account_number", "account_number must be 4 to 17 digits");
        }
        String holderName = string(body, "holder_name", "invalid_holder_name").strip();
        if (holderName.isEmpty()
                || holderName.length() > HOLDER_NAME_MAX_LENGTH
                || holderName.chars().anyMatch(Character::isISOControl)) {
            throw ApiException.badRequest(
                    "invalid_holder_name",
                    "holder_name must be 1 to " + HOLDER_NAME_MAX_LENGTH + " characters without control characters");
        }
        long amountMinor = Amounts.parseMinor(string(body, "amount", "invalid_amount"));
        if (amountMinor <= 0) {
            throw ApiException.badRequest(
                    "invalid_amount",
                    "amount must be a positive decimal string with at most 2 decimals and at most 99999999.99, e.g. \"12.50\"");
        }
        String currency = string(body, "currency", "invalid_currency");
        if (!CURRENCY.equals(currency)) {
            throw ApiException.badRequest(
                    "invalid_currency", "currency must be \"USD\": this bank moves US dollars only");
        }
        return new TransferRequest(
                requestId, direction, routingNumber, accountNumber, holderName, amountMinor, currency);
    }

    private static String string(Map<String, Object> body, String field, String code) {
        Object value = body.get(field);
        if (value == null) {
            throw ApiException.badRequest(code, field + " is required");
        }
        if (!(value instanceof String text)) {
            throw ApiException.badRequest(code, field + " must be a JSON string");
        }
        return text;
    }

    /** The account number with all but its last four digits masked, for logs. */
    String maskedAccountNumber() {
        return "*".repeat(accountNumber.length() - 4) + accountNumber.substring(accountNumber.length() - 4);
    }
}
