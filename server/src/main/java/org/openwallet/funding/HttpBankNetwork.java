package org.openwallet.funding;

import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.github.resilience4j.retry.RetryRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.openwallet.platform.CircuitBreaker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The bank over HTTP: each order is the network's JSON message, sent with our request id as the
 * bank-side {@code Idempotency-Key}, so a retry (ours, or the sweep's after a crash) is never a
 * second order. Each call has a timeout; a failed order is retried {@code bankAttempts} times in all,
 * 200 ms after the first failure and doubling (the Resilience4j policy {@code bank}); after repeated
 * failures a circuit breaker stops calling the bank for a while.
 */
final class HttpBankNetwork implements BankNetwork {
    private static final Logger log = LoggerFactory.getLogger(HttpBankNetwork.class);
    private static final Duration FIRST_RETRY = Duration.ofMillis(200);

    private final Supplier<String> baseUrl;
    private final HttpClient http;
    private final JsonMapper json;
    private final Duration timeout;
    private final Retry orders;
    private final CircuitBreaker breaker;

    HttpBankNetwork(
            Supplier<String> baseUrl,
            JsonMapper json,
            Duration timeout,
            int attempts,
            Clock clock,
            RetryRegistry retries) {
        this.baseUrl = baseUrl;
        this.json = json;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout)
                .build();
        this.breaker = new CircuitBreaker("bank", 5, Duration.ofSeconds(10), clock);
        this.orders = retries.retry(
                "bank",
                RetryConfig.<Attempt>custom()
                        .maxAttempts(Math.max(1, attempts))
                        .retryOnResult(attempt -> attempt.failure() != null)
                        .intervalFunction(IntervalFunction.ofExponentialBackoff(FIRST_RETRY, 2))
                        .build());
    }

    @Override
    public Submission submit(Order order) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("request_id", order.requestId().toString());
        body.put("direction", order.direction().name().toLowerCase(Locale.ROOT));
        body.put("routing_number", order.routingNumber());
        body.put("account_number", order.accountNumber());
        body.put("holder_name", order.holderName());
        body.put("amount", order.amount());
        body.put("currency", order.currency());
        return post("/v1/transfers", order.requestId(), body, "bank_transfer_id");
    }

    @Override
    public Submission sendMicroDeposits(MicroDepositOrder order) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("request_id", order.requestId().toString());
        body.put("routing_number", order.routingNumber());
        body.put("account_number", order.accountNumber());
        body.put("holder_name", order.holderName());
        body.put("amounts", order.amounts());
        body.put("currency", order.currency());
        return post("/v1/micro-deposits", order.requestId(), body, "micro_deposit_id");
    }

    /**
     * One try of an order: the bank's answer, or, when the bank failed or could not be reached, what
     * went wrong ({@code failure}), which is tried again.
     */
    private record Attempt(Submission answer, String failure) {
        static Attempt answered(Submission answer) {
            return new Attempt(answer, null);
        }
    }

    /** One order to the bank, retried by the {@code bank} policy; {@code idField} is the bank's id in a 2xx answer. */
    private Submission post(String path, UUID requestId, Map<String, Object> body, String idField) {
        String payload = json.writeValueAsString(body);
        AtomicInteger tries = new AtomicInteger();
        try {
            Attempt last =
                    orders.executeSupplier(() -> attempt(path, requestId, payload, idField, tries.incrementAndGet()));
            return last.failure() == null ? last.answer() : new Submission.Unavailable(last.failure());
        } catch (CancellationException interrupted) {
            // Interrupted while waiting to try again; Resilience4j has set the thread's flag again.
            return new Submission.Unavailable("interrupted");
        }
    }

    private Attempt attempt(String path, UUID requestId, String payload, String idField, int attempt) {
        if (!breaker.allowRequest()) {
            return Attempt.answered(new Submission.Unavailable("the bank's circuit breaker is open"));
        }
        String problem;
        try {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(URI.create(baseUrl.get() + path))
                            .timeout(timeout)
                            .header("Content-Type", "application/json")
                            .header("Idempotency-Key", requestId.toString())
                            .POST(HttpRequest.BodyPublishers.ofString(payload))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            int status = response.statusCode();
            if (status / 100 == 2) {
                breaker.recordSuccess();
                // The bank took the order. An answer we cannot read does not undo that: failing the
                // request on it would release a hold the bank pays out, or drop a debit it makes.
                return Attempt.answered(new Submission.Accepted(idIn(response.body(), idField, false)));
            }
            if (status == 422 && "idempotency_conflict".equals(errorCode(response.body()))) {
                breaker.recordSuccess();
                return Attempt.answered(
                        new Submission.AlreadyAccepted(idIn(response.body(), idField, true), response.body()));
            }
            if (status / 100 == 4 && status != 408 && status != 429) {
                breaker.recordSuccess();
                return Attempt.answered(
                        new Submission.Rejected("the bank refused the order (" + status + "): " + response.body()));
            }
            breaker.recordFailure();
            problem = "the bank answered " + status;
        } catch (IOException failed) {
            breaker.recordFailure();
            problem = failed.toString();
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            return Attempt.answered(new Submission.Unavailable("interrupted"));
        }
        log.warn(
                "Bank order {} ({}) attempt {} of {} failed: {}",
                requestId,
                path,
                attempt,
                orders.getRetryConfig().getMaxAttempts(),
                problem);
        return new Attempt(null, problem);
    }

    @Override
    public List<Settled> settlementReport(LocalDate date) {
        try {
            HttpResponse<String> response = report(date);
            List<Settled> items = new ArrayList<>();
            for (JsonNode item : json.readTree(response.body()).get("items")) {
                JsonNode requestId = item.get("request_id");
                items.add(new Settled(
                        item.get("bank_transfer_id").asString(),
                        uuidOrNull(requestId),
                        Direction.valueOf(item.get("direction").asString().toUpperCase(Locale.ROOT)),
                        item.get("amount").asString(),
                        item.get("currency").asString(),
                        Instant.parse(item.get("settled_at").asString())));
            }
            return items;
        } catch (IOException failed) {
            throw new IllegalStateException("cannot fetch the bank's settlement report for " + date, failed);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", interrupted);
        }
    }

    @Override
    public TransferState status(String bankTransferId) {
        if (!breaker.allowRequest()) {
            return new TransferState.Unavailable("the bank's circuit breaker is open");
        }
        try {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(URI.create(baseUrl.get() + "/v1/transfers/"
                                    + java.net.URLEncoder.encode(
                                            bankTransferId, java.nio.charset.StandardCharsets.UTF_8)))
                            .timeout(timeout)
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 404) {
                breaker.recordSuccess();
                return new TransferState.Unknown();
            }
            if (response.statusCode() != 200) {
                breaker.recordFailure();
                return new TransferState.Unavailable("the bank answered " + response.statusCode());
            }
            breaker.recordSuccess();
            JsonNode transfer = json.readTree(response.body());
            String state = text(transfer, "status");
            if ("accepted".equals(state)) {
                return new TransferState.InFlight();
            }
            if (!List.of("settled", "failed", "returned").contains(state)) {
                throw new IllegalStateException("the bank's status of " + bankTransferId + " is " + state);
            }
            return new TransferState.Completed(
                    text(transfer, "bank_transfer_id"),
                    uuidOrNull(transfer.get("request_id")),
                    Direction.valueOf(text(transfer, "direction").toUpperCase(Locale.ROOT)),
                    text(transfer, "amount"),
                    text(transfer, "currency"),
                    state,
                    text(transfer, "reason_code"),
                    Instant.parse(text(transfer, "completed_at")));
        } catch (IOException failed) {
            breaker.recordFailure();
            return new TransferState.Unavailable(failed.toString());
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            return new TransferState.Unavailable("interrupted");
        }
    }

    /**
     * The bank's id of the order ({@code field}) in a 2xx answer, or in the error of a conflict
     * answer; null when the answer is not JSON or does not say.
     */
    private String idIn(String body, String field, boolean inError) {
        JsonNode answer;
        try {
            answer = json.readTree(body);
        } catch (RuntimeException unreadable) {
            return null;
        }
        JsonNode holder = inError && answer != null ? answer.get("error") : answer;
        JsonNode id = holder == null ? null : holder.get(field);
        return id == null || !id.isString() || id.asString().isBlank() ? null : id.asString();
    }

    private String errorCode(String body) {
        try {
            JsonNode error = json.readTree(body).get("error");
            return error == null || error.get("code") == null
                    ? null
                    : error.get("code").asString();
        } catch (RuntimeException unreadable) {
            return null;
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asString();
    }

    @Override
    public List<Returned> returnReport(LocalDate date) {
        try {
            List<Returned> returns = new ArrayList<>();
            JsonNode items = json.readTree(report(date).body()).get("returns");
            for (JsonNode item : items == null ? List.<JsonNode>of() : items) {
                returns.add(new Returned(
                        item.get("bank_transfer_id").asString(),
                        uuidOrNull(item.get("request_id")),
                        Direction.valueOf(item.get("direction").asString().toUpperCase(Locale.ROOT)),
                        item.get("amount").asString(),
                        item.get("currency").asString(),
                        item.get("reason_code").asString(),
                        Instant.parse(item.get("returned_at").asString())));
            }
            return returns;
        } catch (IOException failed) {
            throw new IllegalStateException("cannot fetch the bank's settlement report for " + date, failed);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", interrupted);
        }
    }

    /** The bank's report of {@code date}: its settled {@code items} and its late {@code returns}. */
    private HttpResponse<String> report(LocalDate date) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create(baseUrl.get() + "/v1/reports/settlement?date=" + date))
                        .timeout(timeout.multipliedBy(10))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException(
                    "the bank's settlement report for " + date + " answered " + response.statusCode());
        }
        return response;
    }

    /** Our request id, or null for a bank-side item (an adjustment) or an id this wallet would never have made. */
    private static UUID uuidOrNull(JsonNode value) {
        if (value == null || value.isNull()) {
            return null;
        }
        try {
            return UUID.fromString(value.asString());
        } catch (IllegalArgumentException notOurs) {
            return null;
        }
    }
}
