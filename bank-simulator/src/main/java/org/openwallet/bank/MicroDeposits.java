package org.openwallet.bank;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Micro-deposits: the wallet proves a customer owns a bank account by having the bank credit two
 * small amounts (1 to 99 cents) to it, which the customer then reads on their statement and types
 * back. They are the wallet operator's own expense, not wallet money: no webhook, not in the
 * settlement report. The statement is {@code GET /admin/micro-deposits}. In memory, bounded.
 */
final class MicroDeposits {
    /** The most micro-deposit orders kept; beyond it the bank answers 503. */
    static final int MAX_ORDERS = 10_000;

    private static final Pattern ACCOUNT_NUMBER = Pattern.compile("[0-9]{4,17}");
    private static final Pattern REQUEST_ID =
            Pattern.compile("[\\x21-\\x7E]{1," + TransferRequest.REQUEST_ID_MAX_LENGTH + "}");
    private static final Set<String> FIELDS =
            Set.of("request_id", "routing_number", "account_number", "holder_name", "amounts", "currency");

    /** One order of two micro-deposits, as validated. */
    record Order(
            String requestId, String routingNumber, String accountNumber, String holderName, List<Long> amountsMinor) {}

    record Sent(String id, Order order, Instant sentAt) {
        Map<String, Object> toJson() {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("micro_deposit_id", id);
            json.put("request_id", order.requestId());
            json.put("routing_number", order.routingNumber());
            json.put("account_number", order.accountNumber());
            json.put(
                    "amounts",
                    order.amountsMinor().stream().map(Amounts::format).toList());
            json.put("currency", TransferRequest.CURRENCY);
            json.put("sent_at", sentAt.toString());
            return json;
        }
    }

    private final SimulatedClock clock;
    private final Map<String, Sent> byRequestId = new HashMap<>();
    private final List<Sent> all = new ArrayList<>();

    MicroDeposits(SimulatedClock clock) {
        this.clock = clock;
    }

    /** Reads the body of {@code POST /v1/micro-deposits}; a 400 {@link ApiException} naming the first bad field. */
    static Order parse(Map<String, Object> body) {
        for (String field : body.keySet()) {
            if (!FIELDS.contains(field)) {
                throw ApiException.badRequest("unknown_field", "Unknown field " + field);
            }
        }
        String requestId = body.get("request_id") instanceof String text ? text : "";
        if (!REQUEST_ID.matcher(requestId).matches()) {
            throw ApiException.badRequest(
                    "invalid_request_id", "request_id must be 1 to 255 printable ASCII characters without spaces");
        }
        String routingNumber = body.get("routing_number") instanceof String text ? text : null;
        if (!RoutingNumbers.isValid(routingNumber)) {
            throw ApiException.badRequest(
                    "invalid_routing_number", "routing_number must be 9 digits with a valid ABA check digit");
        }
        String accountNumber = body.get("account_number") instanceof String text ? text : "";
        if (!ACCOUNT_NUMBER.matcher(accountNumber).matches()) {
            throw ApiException.badRequest("invalid_account_number", "account_number must be 4 to 17 digits");
        }
        String holderName = body.get("holder_name") instanceof String text ? text.strip() : "";
        if (holderName.isEmpty()
                || holderName.length() > TransferRequest.HOLDER_NAME_MAX_LENGTH
                || holderName.chars().anyMatch(Character::isISOControl)) {
            throw ApiException.badRequest(
                    "invalid_holder_name", "holder_name must be 1 to 100 characters without control characters");
        }
        if (!TransferRequest.CURRENCY.equals(body.get("currency"))) {
            throw ApiException.badRequest("invalid_currency", "currency must be \"USD\"");
        }
        if (!(body.get("amounts") instanceof List<?> amounts) || amounts.size() != 2) {
            throw ApiException.badRequest(
                    "invalid_amounts", "amounts must be two decimal strings from \"0.01\" to \"0.99\"");
        }
        List<Long> minor = new ArrayList<>();
        for (Object amount : amounts) {
            long cents = Amounts.parseMinor(amount instanceof String text ? text : null);
            if (cents < 1 || cents > 99) {
                throw ApiException.badRequest(
                        "invalid_amounts", "amounts must be two decimal strings from \"0.01\" to \"0.99\"");
            }
            minor.add(cents);
        }
        return new Order(requestId, routingNumber, accountNumber, holderName, List.copyOf(minor));
    }

    /** What became of an order: sent now, sent before (a replay), a different order under the same id, or no room. */
    sealed interface Outcome {
        record Accepted(Sent sent) implements Outcome {}

        record Replayed(Sent sent) implements Outcome {}

        record Conflicting(Sent existing) implements Outcome {}

        record AtCapacity() implements Outcome {}
    }

    synchronized Outcome send(Order order) {
        Sent existing = byRequestId.get(order.requestId());
        if (existing != null) {
            return existing.order().equals(order) ? new Outcome.Replayed(existing) : new Outcome.Conflicting(existing);
        }
        if (all.size() >= MAX_ORDERS) {
            return new Outcome.AtCapacity();
        }
        Sent sent = new Sent("md_" + UUID.randomUUID().toString().replace("-", ""), order, clock.instant());
        byRequestId.put(order.requestId(), sent);
        all.add(sent);
        return new Outcome.Accepted(sent);
    }

    /** The account's statement: every micro-deposit order sent to it, oldest first. */
    synchronized List<Sent> statement(String routingNumber, String accountNumber) {
        return all.stream()
                .filter(sent -> sent.order().routingNumber().equals(routingNumber)
                        && sent.order().accountNumber().equals(accountNumber))
                .toList();
    }
}
