package org.openwallet.bank;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The bank's HTTP API, as docs/bank-simulator.md describes it: the public part under {@code /v1}
 * that the wallet's bank adapter calls, and the {@code /admin} part that tests and developers use to
 * steer the simulation. Errors are {@code {"error": {"code": ..., "message": ...}}}.
 */
final class HttpApi implements HttpHandler {
    /** No request to this bank needs more; a larger one is refused before it is read. */
    static final int MAX_BODY_BYTES = 64 * 1024;

    static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    /** The longest single advance of the clock: a year, far beyond any settlement. */
    static final long MAX_CLOCK_ADVANCE_SECONDS = 366L * 24 * 3600;

    private static final String TRANSFERS = "/v1/transfers";
    private static final String ADMIN_TRANSFERS = "/admin/transfers/";
    private static final String RETURN = "/return";

    private final Bank bank;
    private final WebhookDispatcher dispatcher;
    private final AtomicReference<BankConfig> config;
    private final SimulatedClock clock;
    private final MicroDeposits microDeposits;

    HttpApi(Bank bank, WebhookDispatcher dispatcher, AtomicReference<BankConfig> config, SimulatedClock clock) {
        this.microDeposits = new MicroDeposits(clock);
        this.bank = bank;
        this.dispatcher = dispatcher;
        this.config = config;
        this.clock = clock;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            try {
                route(exchange);
            } catch (ApiException refused) {
                send(exchange, refused.status(), error(refused.code(), refused.getMessage(), refused.details()));
            } catch (RuntimeException bug) {
                Log.error("Failed on " + exchange.getRequestMethod() + " " + exchange.getRequestURI(), bug);
                send(exchange, 500, error("internal_error", "The bank simulator failed; see its log", Map.of()));
            }
        }
    }

    private void route(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getPath();
        switch (path) {
            case "/health" -> {
                only(method, "GET");
                send(exchange, 200, Map.of("status", "ok"));
            }
            case TRANSFERS -> {
                only(method, "POST");
                createTransfer(exchange);
            }
            case "/v1/micro-deposits" -> {
                only(method, "POST");
                sendMicroDeposits(exchange);
            }
            case "/admin/micro-deposits" -> {
                only(method, "GET");
                String routingNumber = queryParameter(exchange, "routing_number");
                String accountNumber = queryParameter(exchange, "account_number");
                if (routingNumber == null || accountNumber == null) {
                    throw ApiException.badRequest(
                            "invalid_account_number", "routing_number and account_number are required");
                }
                send(
                        exchange,
                        200,
                        Map.of(
                                "items",
                                microDeposits.statement(routingNumber, accountNumber).stream()
                                        .map(MicroDeposits.Sent::toJson)
                                        .toList()));
            }
            case "/v1/reports/settlement" -> {
                only(method, "GET");
                settlementReport(exchange);
            }
            case "/admin/config" -> {
                if (method.equals("GET")) {
                    send(exchange, 200, config.get().toJson());
                } else {
                    only(method, "POST");
                    changeConfig(exchange);
                }
            }
            case "/admin/clock" -> {
                only(method, "GET");
                send(exchange, 200, clockJson());
            }
            case "/admin/clock/advance" -> {
                only(method, "POST");
                advanceClock(exchange);
            }
            case "/admin/settlements" -> {
                only(method, "POST");
                plantSettlement(exchange);
            }
            case "/admin/stats" -> {
                only(method, "GET");
                Map<String, Object> stats = new LinkedHashMap<>();
                stats.put("transfers", bank.counts());
                stats.put("webhooks", dispatcher.counts());
                send(exchange, 200, stats);
            }
            default -> {
                if (path.startsWith(ADMIN_TRANSFERS)
                        && path.endsWith(RETURN)
                        && path.length() > ADMIN_TRANSFERS.length() + RETURN.length()
                        && path.indexOf('/', ADMIN_TRANSFERS.length()) == path.length() - RETURN.length()) {
                    only(method, "POST");
                    returnLate(exchange, path.substring(ADMIN_TRANSFERS.length(), path.length() - RETURN.length()));
                } else if (path.startsWith(TRANSFERS + "/") && path.indexOf('/', TRANSFERS.length() + 1) < 0) {
                    only(method, "GET");
                    Transfer transfer = bank.transfer(path.substring(TRANSFERS.length() + 1));
                    if (transfer == null) {
                        throw new ApiException(
                                404, "not_found", "No transfer " + path.substring(TRANSFERS.length() + 1));
                    }
                    send(exchange, 200, transfer.toJson());
                } else {
                    throw new ApiException(404, "not_found", "No such path: " + path);
                }
            }
        }
    }

    private void createTransfer(HttpExchange exchange) throws IOException {
        String key = exchange.getRequestHeaders().getFirst(IDEMPOTENCY_KEY);
        if (key == null || key.isBlank()) {
            throw ApiException.badRequest(
                    "missing_idempotency_key", "The Idempotency-Key header is required; it is the request_id");
        }
        TransferRequest request = TransferRequest.parse(Json.object(body(exchange)));
        if (!key.equals(request.requestId())) {
            throw ApiException.badRequest(
                    "idempotency_key_mismatch", "The Idempotency-Key header must equal request_id");
        }
        switch (bank.accept(request)) {
            case Bank.Acceptance.Accepted accepted -> {
                Log.info("Accepted " + accepted.transfer().id() + " for request " + request.requestId() + ": "
                        + request.direction().wireName() + " " + Amounts.format(request.amountMinor()) + " "
                        + request.currency()
                        + " on account " + request.maskedAccountNumber() + ", due "
                        + accepted.transfer().dueAt());
                send(exchange, 202, acceptedJson(accepted.transfer()));
            }
            case Bank.Acceptance.Replayed replayed -> send(exchange, 202, acceptedJson(replayed.transfer()));
            // The existing transfer's id goes with the refusal: the sender (who made the request id)
            // learns that the bank does hold an order under it, and can follow that order's outcome.
            case Bank.Acceptance.Conflicting conflicting ->
                throw new ApiException(
                        422,
                        "idempotency_conflict",
                        "request_id " + request.requestId() + " was used for a different transfer ("
                                + conflicting.existing().id() + ")",
                        Map.of("bank_transfer_id", conflicting.existing().id()));
            case Bank.Acceptance.AtCapacity full -> {
                exchange.getResponseHeaders().set("Retry-After", "60");
                throw new ApiException(
                        503,
                        "capacity_exceeded",
                        "The simulator holds its maximum of " + full.maxTransfers()
                                + " transfers; restart it or raise --max-transfers");
            }
        }
    }

    private void sendMicroDeposits(HttpExchange exchange) throws IOException {
        String key = exchange.getRequestHeaders().getFirst(IDEMPOTENCY_KEY);
        if (key == null || key.isBlank()) {
            throw ApiException.badRequest(
                    "missing_idempotency_key", "The Idempotency-Key header is required; it is the request_id");
        }
        MicroDeposits.Order order = MicroDeposits.parse(Json.object(body(exchange)));
        if (!key.equals(order.requestId())) {
            throw ApiException.badRequest(
                    "idempotency_key_mismatch", "The Idempotency-Key header must equal request_id");
        }
        switch (microDeposits.send(order)) {
            case MicroDeposits.Outcome.Accepted accepted -> {
                Log.info("Sent micro-deposits " + accepted.sent().id() + " for request " + order.requestId()
                        + " to account ending "
                        + order.accountNumber().substring(order.accountNumber().length() - 4));
                send(exchange, 202, microDepositJson(accepted.sent()));
            }
            case MicroDeposits.Outcome.Replayed replayed -> send(exchange, 202, microDepositJson(replayed.sent()));
            case MicroDeposits.Outcome.Conflicting conflicting ->
                throw new ApiException(
                        422,
                        "idempotency_conflict",
                        "request_id " + order.requestId() + " was used for different micro-deposits ("
                                + conflicting.existing().id() + ")");
            case MicroDeposits.Outcome.AtCapacity full -> {
                exchange.getResponseHeaders().set("Retry-After", "60");
                throw new ApiException(
                        503,
                        "capacity_exceeded",
                        "The simulator holds its maximum of " + MicroDeposits.MAX_ORDERS
                                + " micro-deposit orders; restart it");
            }
        }
    }

    private static Map<String, Object> microDepositJson(MicroDeposits.Sent sent) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("micro_deposit_id", sent.id());
        json.put("request_id", sent.order().requestId());
        json.put("status", "sent");
        return json;
    }

    private static Map<String, Object> acceptedJson(Transfer transfer) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("bank_transfer_id", transfer.id());
        json.put("request_id", transfer.request().requestId());
        json.put("status", TransferStatus.ACCEPTED.wireName());
        return json;
    }

    private void settlementReport(HttpExchange exchange) throws IOException {
        String date = queryParameter(exchange, "date");
        LocalDate day;
        try {
            day = LocalDate.parse(date == null ? "" : date);
        } catch (DateTimeParseException invalid) {
            throw ApiException.badRequest("invalid_date", "date must be given as YYYY-MM-DD");
        }
        List<Map<String, Object>> items =
                bank.settledOn(day).stream().map(SettlementItem::toJson).toList();
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("date", day.toString());
        report.put("items", items);
        report.put(
                "returns", bank.returnedOn(day).stream().map(ReturnItem::toJson).toList());
        send(exchange, 200, report);
    }

    /** {@code POST /admin/transfers/{id}/return}: a settled debit comes back late, as an ACH return days later does. */
    private void returnLate(HttpExchange exchange, String bankTransferId) throws IOException {
        Map<String, Object> body = Json.object(body(exchange));
        for (String field : body.keySet()) {
            if (!field.equals("reason_code")) {
                throw ApiException.badRequest("unknown_field", "Unknown field " + field);
            }
        }
        Object code = body.getOrDefault("reason_code", ReasonCode.R10.name());
        ReasonCode reason = ReasonCode.LATE_RETURNS.stream()
                .filter(candidate -> candidate.name().equals(code))
                .findFirst()
                .orElseThrow(() -> ApiException.badRequest(
                        "invalid_reason_code", "reason_code must be one of " + ReasonCode.LATE_RETURNS));
        switch (bank.returnLate(bankTransferId, reason)) {
            case Bank.LateReturn.Returned returned ->
                send(exchange, 200, returned.transfer().toJson());
            case Bank.LateReturn.Unknown unknown ->
                throw new ApiException(404, "not_found", "No transfer " + bankTransferId);
            case Bank.LateReturn.NotReturnable refused ->
                throw new ApiException(
                        409,
                        "not_returnable",
                        "Only a settled debit can be returned late; " + bankTransferId + " is a "
                                + refused.transfer().request().direction().wireName() + ", "
                                + refused.transfer().status().wireName());
        }
    }

    private void changeConfig(HttpExchange exchange) throws IOException {
        Map<String, Object> changes = Json.object(body(exchange));
        BankConfig changed;
        try {
            changed = config.updateAndGet(current -> current.with(changes));
        } catch (IllegalArgumentException invalid) {
            throw ApiException.badRequest("invalid_config", invalid.getMessage());
        }
        dispatcher.configurationChanged();
        Log.info("Configuration changed: " + changes + "; now " + changed.toJson());
        send(exchange, 200, changed.toJson());
    }

    private void advanceClock(HttpExchange exchange) throws IOException {
        Object seconds = Json.object(body(exchange)).get("seconds");
        if (!(seconds instanceof Integer || seconds instanceof Long)
                || ((Number) seconds).longValue() < 0
                || ((Number) seconds).longValue() > MAX_CLOCK_ADVANCE_SECONDS) {
            throw ApiException.badRequest(
                    "invalid_seconds", "seconds must be a whole number from 0 to " + MAX_CLOCK_ADVANCE_SECONDS);
        }
        Instant now = clock.advance(Duration.ofSeconds(((Number) seconds).longValue()));
        Log.info("Clock advanced by " + seconds + " s to " + now);
        send(exchange, 200, clockJson());
    }

    private Map<String, Object> clockJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("now", clock.instant().toString());
        json.put("offset_seconds", clock.offset().toSeconds());
        return json;
    }

    private void plantSettlement(HttpExchange exchange) throws IOException {
        Map<String, Object> body = Json.object(body(exchange));
        for (String field : body.keySet()) {
            if (!List.of("bank_transfer_id", "request_id", "direction", "amount", "currency", "settled_at")
                    .contains(field)) {
                throw ApiException.badRequest("unknown_field", "Unknown field " + field);
            }
        }
        Direction direction = Direction.fromWire(body.get("direction") instanceof String text ? text : null);
        if (direction == null) {
            throw ApiException.badRequest("invalid_direction", "direction must be \"debit\" or \"credit\"");
        }
        long amountMinor = Amounts.parseMinor(body.get("amount") instanceof String text ? text : null);
        if (amountMinor <= 0) {
            throw ApiException.badRequest(
                    "invalid_amount", "amount must be a positive decimal string with at most 2 decimals");
        }
        Object currency = body.getOrDefault("currency", TransferRequest.CURRENCY);
        if (!TransferRequest.CURRENCY.equals(currency)) {
            throw ApiException.badRequest("invalid_currency", "currency must be \"USD\"");
        }
        String bankTransferId = optionalString(body, "bank_transfer_id");
        String requestId = optionalString(body, "request_id");
        Instant settledAt;
        try {
            String text = optionalString(body, "settled_at");
            settledAt = text == null ? clock.instant() : Instant.parse(text);
        } catch (DateTimeParseException invalid) {
            throw ApiException.badRequest(
                    "invalid_settled_at", "settled_at must be an ISO-8601 instant, e.g. 2026-03-02T15:04:05Z");
        }
        SettlementItem item = new SettlementItem(
                bankTransferId == null ? "bt_" + UUID.randomUUID().toString().replace("-", "") : bankTransferId,
                requestId,
                direction,
                amountMinor,
                TransferRequest.CURRENCY,
                settledAt);
        if (!bank.plant(item)) {
            throw new ApiException(
                    503,
                    "capacity_exceeded",
                    "At most " + Bank.MAX_PLANTED_SETTLEMENTS + " settlements can be planted");
        }
        Log.info("Planted a settlement: " + item.toJson());
        send(exchange, 201, item.toJson());
    }

    private static String optionalString(Map<String, Object> body, String field) {
        Object value = body.get(field);
        if (value != null && !(value instanceof String)) {
            throw ApiException.badRequest("invalid_" + field, field + " must be a string");
        }
        return (String) value;
    }

    private static void only(String method, String allowed) {
        if (!method.equals(allowed)) {
            throw new ApiException(405, "method_not_allowed", "Use " + allowed);
        }
    }

    private static byte[] body(HttpExchange exchange) throws IOException {
        String length = exchange.getRequestHeaders().getFirst("Content-Length");
        if (length != null && length.matches("[0-9]{1,18}") && Long.parseLong(length) > MAX_BODY_BYTES) {
            throw new ApiException(
                    413, "body_too_large", "A request body may have at most " + MAX_BODY_BYTES + " bytes");
        }
        try (InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
            if (body.length > MAX_BODY_BYTES) {
                throw new ApiException(
                        413, "body_too_large", "A request body may have at most " + MAX_BODY_BYTES + " bytes");
            }
            return body;
        }
    }

    private static String queryParameter(HttpExchange exchange, String name) {
        String query = exchange.getRequestURI().getQuery();
        if (query == null) {
            return null;
        }
        for (String pair : query.split("&")) {
            int equals = pair.indexOf('=');
            if (equals > 0 && pair.substring(0, equals).equals(name)) {
                return pair.substring(equals + 1);
            }
        }
        return null;
    }

    private static Map<String, Object> error(String code, String message, Map<String, Object> details) {
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("code", code);
        detail.put("message", message);
        detail.putAll(details);
        return Map.of("error", detail);
    }

    private static void send(HttpExchange exchange, int status, Object body) throws IOException {
        byte[] bytes = Json.bytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
