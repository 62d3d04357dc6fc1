package org.openwallet.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.function.Supplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openwallet.platform.crypto.SecretKeys;
import tools.jackson.databind.json.JsonMapper;

/**
 * The bank simulator as the wallet runs it: a real child process, spoken to over HTTP, whose
 * webhooks arrive at a receiver in this test that checks every signature with the shared secret
 * (HMAC-SHA256 of {@code "<t>.<body>"}, computed here independently of the simulator's code).
 *
 * <p>One simulator serves most tests (each starts in a few hundred milliseconds, but a dozen add
 * up); each test uses request ids of its own and resets the configuration first. Its clock only
 * moves forward, so tests read dates from what the bank says rather than from the test's clock.
 */
class EmbeddedBankSimulatorTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String ROUTING_NUMBER = "021000021";

    @TempDir
    static Path shared;

    private static byte[] secret;
    private static Path secretFile;
    private static HttpServer receiver;
    private static final List<Delivery> deliveries = new ArrayList<>();
    /** Request id -> how many more deliveries for it the receiver answers 500. */
    private static final Map<String, AtomicInteger> failuresToAnswer = new ConcurrentHashMap<>();

    private static EmbeddedBankSimulator bank;
    private static final HttpClient client =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** One webhook delivery attempt as the receiver saw it. */
    record Delivery(
            Map<String, Object> event,
            String body,
            long signedAt,
            boolean signatureValid,
            int answeredStatus,
            long receivedNanos) {
        String requestId() {
            return (String) event.get("request_id");
        }

        String type() {
            return (String) event.get("type");
        }

        String eventId() {
            return (String) event.get("event_id");
        }
    }

    @BeforeAll
    static void startBankAndReceiver() throws IOException {
        secretFile = shared.resolve("bank-webhook.secret");
        secret = SecretKeys.loadOrCreate(secretFile, 32);
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/bank-webhooks", exchange -> {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            String signature = exchange.getRequestHeaders().getFirst("Bank-Signature");
            @SuppressWarnings("unchecked")
            Map<String, Object> event = JSON.readValue(body, Map.class);
            AtomicInteger failures = failuresToAnswer.get((String) event.get("request_id"));
            boolean valid = signatureValid(signature, body);
            int status = !valid ? 400 : failures != null && failures.getAndDecrement() > 0 ? 500 : 200;
            synchronized (deliveries) {
                deliveries.add(new Delivery(
                        event,
                        new String(body, StandardCharsets.UTF_8),
                        signedAt(signature),
                        valid,
                        status,
                        System.nanoTime()));
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        receiver.start();
        bank = EmbeddedBankSimulator.start(shared.resolve("bank"), 0, webhookUrl(), secretFile, Duration.ZERO);
    }

    @AfterAll
    static void stopBankAndReceiver() throws IOException {
        if (bank != null) {
            bank.close();
        }
        receiver.stop(0);
    }

    @BeforeEach
    void resetConfiguration() throws Exception {
        HttpResponse<String> response = post(
                "/admin/config",
                null,
                Map.of(
                        "mode",
                        "fixed_delay",
                        "delay_millis",
                        0,
                        "failure_rate",
                        0,
                        "duplicate_webhooks",
                        false,
                        "out_of_order",
                        false,
                        "out_of_order_window",
                        5,
                        "webhook_url",
                        webhookUrl().toString(),
                        "webhook_retry_initial_millis",
                        500,
                        "webhook_retry_max_millis",
                        30_000,
                        "webhook_max_attempts",
                        10_000));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    @Test
    void debitAndCredit_areAccepted_settle_andAreAnnouncedBySignedWebhooks() throws Exception {
        String debitId = requestId();
        String creditId = requestId();

        HttpResponse<String> debit = transfer(debitId, "debit", "123456789", "12.50");
        HttpResponse<String> credit = transfer(creditId, "credit", "987654321", "40.00");

        assertThat(debit.statusCode()).isEqualTo(202);
        Map<String, Object> accepted = json(debit);
        assertThat(accepted).containsEntry("request_id", debitId).containsEntry("status", "accepted");
        assertThat((String) accepted.get("bank_transfer_id")).startsWith("bt_");
        assertThat(credit.statusCode()).isEqualTo(202);

        Delivery settledDebit = awaitDeliveries(debitId, 1).get(0);
        Delivery settledCredit = awaitDeliveries(creditId, 1).get(0);
        assertThat(settledDebit.signatureValid()).isTrue();
        assertThat(settledDebit.signedAt())
                .isBetween(Instant.now().getEpochSecond() - 60, Instant.now().getEpochSecond() + 1);
        assertThat(settledDebit.event())
                .containsOnlyKeys(
                        "event_id",
                        "type",
                        "bank_transfer_id",
                        "request_id",
                        "direction",
                        "amount",
                        "currency",
                        "reason_code",
                        "occurred_at");
        assertThat(settledDebit.event())
                .containsEntry("type", "transfer.settled")
                .containsEntry("bank_transfer_id", accepted.get("bank_transfer_id"))
                .containsEntry("direction", "debit")
                .containsEntry("amount", "12.50")
                .containsEntry("currency", "USD")
                .containsEntry("reason_code", null);
        assertThat((String) settledDebit.eventId()).startsWith("evt_");
        Instant.parse((String) settledDebit.event().get("occurred_at"));
        assertThat(settledCredit.signatureValid()).isTrue();
        assertThat(settledCredit.event())
                .containsEntry("type", "transfer.settled")
                .containsEntry("direction", "credit")
                .containsEntry("amount", "40.00");

        Map<String, Object> status = json(get("/v1/transfers/" + accepted.get("bank_transfer_id")));
        assertThat(status)
                .containsEntry("status", "settled")
                .containsEntry("completed_at", settledDebit.event().get("occurred_at"));
    }

    @Test
    void resubmission_withTheSameBody_answersTheSame202_andMovesNothingTwice_aDifferentBodyIs422() throws Exception {
        String id = requestId();

        HttpResponse<String> first = transfer(id, "debit", "123456789", "25.00");
        HttpResponse<String> again = transfer(id, "debit", "123456789", "25.00");
        HttpResponse<String> changed = transfer(id, "debit", "123456789", "26.00");

        assertThat(first.statusCode()).isEqualTo(202);
        assertThat(again.statusCode()).isEqualTo(202);
        assertThat(again.body()).isEqualTo(first.body());
        assertThat(changed.statusCode()).isEqualTo(422);
        assertThat(json(changed)).extractingByKey("error").asString().contains("idempotency_conflict");
        awaitDeliveries(id, 1);
        Thread.sleep(500);
        assertThat(deliveriesFor(id)).as("one transfer, one webhook").hasSize(1);
    }

    @Test
    void invalidTransfer_isRefusedWith400_evenThoughTheWalletValidatesToo() throws Exception {
        String id = requestId();
        HttpResponse<String> response = post(
                "/v1/transfers",
                id,
                Map.of(
                        "request_id",
                        id,
                        "direction",
                        "debit",
                        "routing_number",
                        "021000022",
                        "account_number",
                        "123456789",
                        "holder_name",
                        "Ada Lovelace",
                        "amount",
                        "1.00",
                        "currency",
                        "USD"));

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("invalid_routing_number");
    }

    @Test
    void accountNumberTriggers_failDebitsWithR01R02R03_andReturnCreditsWithR02R03() throws Exception {
        Map<String, String> expected = new LinkedHashMap<>();
        for (String[] trigger : new String[][] {
            {"debit", "55550001", "transfer.failed R01"},
            {"debit", "55550002", "transfer.failed R02"},
            {"debit", "55550003", "transfer.failed R03"},
            {"credit", "55550002", "transfer.returned R02"},
            {"credit", "55550003", "transfer.returned R03"}
        }) {
            String id = requestId();
            assertThat(transfer(id, trigger[0], trigger[1], "10.00").statusCode())
                    .isEqualTo(202);
            expected.put(id, trigger[2]);
        }

        for (Map.Entry<String, String> transfer : expected.entrySet()) {
            Delivery delivery = awaitDeliveries(transfer.getKey(), 1).get(0);
            assertThat(delivery.type() + " " + delivery.event().get("reason_code"))
                    .isEqualTo(transfer.getValue());
            assertThat(delivery.signatureValid()).isTrue();
        }
    }

    @Test
    void duplicateMode_deliversEveryWebhookTwice_withTheSameEventId() throws Exception {
        admin(Map.of("duplicate_webhooks", true));
        String id = requestId();

        transfer(id, "debit", "123456789", "5.00");

        List<Delivery> twice = awaitDeliveries(id, 2);
        assertThat(twice)
                .extracting(Delivery::eventId)
                .containsOnly(twice.get(0).eventId());
        assertThat(twice).extracting(Delivery::body).containsOnly(twice.get(0).body());
        assertThat(twice).allMatch(Delivery::signatureValid);
    }

    @Test
    void outOfOrderMode_holdsAWindow_andReleasesItShuffled() throws Exception {
        admin(Map.of("out_of_order", true, "out_of_order_window", 3, "out_of_order_max_hold_millis", 10_000));
        List<String> ids = List.of(requestId(), requestId(), requestId());
        for (String id : ids) {
            String bankTransferId =
                    (String) json(transfer(id, "debit", "123456789", "1.00")).get("bank_transfer_id");
            // Each transfer completes before the next is sent, so the bank's own order is the order of ids.
            awaitStatus(bankTransferId, "settled");
        }

        for (String id : ids) {
            awaitDeliveries(id, 1);
        }
        List<String> arrivalOrder;
        synchronized (deliveries) {
            arrivalOrder = deliveries.stream()
                    .map(Delivery::requestId)
                    .filter(ids::contains)
                    .toList();
        }
        assertThat(arrivalOrder).containsExactlyInAnyOrderElementsOf(ids).isNotEqualTo(ids);
    }

    @Test
    void webhook_answered500_isRetriedWithBackoff_untilA2xx_freshlySignedEachTime() throws Exception {
        admin(Map.of("webhook_retry_initial_millis", 600, "webhook_retry_max_millis", 5000));
        String id = requestId();
        failuresToAnswer.put(id, new AtomicInteger(2));

        transfer(id, "credit", "123456789", "3.00");

        List<Delivery> attempts = awaitDeliveries(id, 3);
        assertThat(attempts).extracting(Delivery::answeredStatus).containsExactly(500, 500, 200);
        assertThat(attempts)
                .extracting(Delivery::eventId)
                .containsOnly(attempts.get(0).eventId());
        assertThat(attempts).allMatch(Delivery::signatureValid);
        long firstWaitMillis = TimeUnit.NANOSECONDS.toMillis(
                attempts.get(1).receivedNanos() - attempts.get(0).receivedNanos());
        long secondWaitMillis = TimeUnit.NANOSECONDS.toMillis(
                attempts.get(2).receivedNanos() - attempts.get(1).receivedNanos());
        assertThat(firstWaitMillis).as("the first wait").isGreaterThanOrEqualTo(550);
        assertThat(secondWaitMillis).as("the second wait, doubled").isGreaterThanOrEqualTo(1150);
        assertThat(attempts.get(2).signedAt())
                .as("a new t on a later attempt")
                .isGreaterThan(attempts.get(0).signedAt());
        Thread.sleep(300);
        assertThat(deliveriesFor(id)).as("nothing after the 2xx").hasSize(3);
    }

    @Test
    void settlementReport_listsWhatSettledThatDay_notWhatFailed() throws Exception {
        String settledId = requestId();
        String failedId = requestId();
        String bankTransferId = (String)
                json(transfer(settledId, "debit", "123456789", "77.70")).get("bank_transfer_id");
        transfer(failedId, "debit", "12340001", "1.00");
        Delivery settled = awaitDeliveries(settledId, 1).get(0);
        awaitDeliveries(failedId, 1);
        String occurredAt = (String) settled.event().get("occurred_at");
        String date =
                Instant.parse(occurredAt).atZone(ZoneOffset.UTC).toLocalDate().toString();

        Map<String, Object> report = json(get("/v1/reports/settlement?date=" + date));

        assertThat(report).containsEntry("date", date);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> items = (List<Map<String, Object>>) report.get("items");
        assertThat(items)
                .filteredOn(item -> settledId.equals(item.get("request_id")))
                .singleElement()
                .isEqualTo(Map.of(
                        "bank_transfer_id",
                        bankTransferId,
                        "request_id",
                        settledId,
                        "direction",
                        "debit",
                        "amount",
                        "77.70",
                        "currency",
                        "USD",
                        "settled_at",
                        occurredAt));
        assertThat(items).noneMatch(item -> failedId.equals(item.get("request_id")));
    }

    @Test
    void plantedSettlement_appearsInTheReportOfItsDay_withoutAWebhook() throws Exception {
        HttpResponse<String> planted = post(
                "/admin/settlements",
                null,
                Map.of(
                        "direction",
                        "credit",
                        "amount",
                        "9.99",
                        "currency",
                        "USD",
                        "settled_at",
                        "2031-01-02T10:00:00Z"));

        assertThat(planted.statusCode()).as(planted.body()).isEqualTo(201);
        String bankTransferId = (String) json(planted).get("bank_transfer_id");
        Map<String, Object> report = json(get("/v1/reports/settlement?date=2031-01-02"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> items = (List<Map<String, Object>>) report.get("items");
        assertThat(items)
                .singleElement()
                .satisfies(item -> assertThat(item)
                        .containsEntry("bank_transfer_id", bankTransferId)
                        .containsEntry("request_id", null)
                        .containsEntry("direction", "credit")
                        .containsEntry("amount", "9.99")
                        .containsEntry("currency", "USD")
                        .containsEntry("settled_at", "2031-01-02T10:00:00Z"));
        synchronized (deliveries) {
            assertThat(deliveries)
                    .noneMatch(
                            delivery -> bankTransferId.equals(delivery.event().get("bank_transfer_id")));
        }
    }

    @Test
    void businessDaysMode_settlesOnlyWhenTheClockHasPassedOneToThreeBusinessDays() throws Exception {
        admin(Map.of("mode", "business_days"));
        String id = requestId();
        Map<String, Object> accepted = json(transfer(id, "debit", "123456789", "100.00"));
        String bankTransferId = (String) accepted.get("bank_transfer_id");

        assertThat(post("/admin/clock/advance", null, Map.of("seconds", 12 * 3600))
                        .statusCode())
                .isEqualTo(200);
        Thread.sleep(300);
        assertThat(json(get("/v1/transfers/" + bankTransferId))).containsEntry("status", "accepted");
        assertThat(deliveriesFor(id)).isEmpty();

        // Three business days are at most five calendar days (Wednesday + 3 = Monday).
        post("/admin/clock/advance", null, Map.of("seconds", 5 * 24 * 3600));

        Delivery settled = awaitDeliveries(id, 1).get(0);
        Map<String, Object> status = json(get("/v1/transfers/" + bankTransferId));
        Instant acceptedAt = Instant.parse((String) status.get("accepted_at"));
        Instant occurredAt = Instant.parse((String) settled.event().get("occurred_at"));
        assertThat(settled.type()).isEqualTo("transfer.settled");
        assertThat(Duration.between(acceptedAt, occurredAt)).isBetween(Duration.ofDays(1), Duration.ofDays(5));
        assertThat(occurredAt.atZone(ZoneOffset.UTC).getDayOfWeek()).isNotIn(DayOfWeek.SATURDAY, DayOfWeek.SUNDAY);
    }

    @Test
    void simulator_stopsByPid_comesBackOnItsPort_andExitsWhenItsStdinCloses(@TempDir Path directory) throws Exception {
        long firstPid;
        int firstPort;
        try (EmbeddedBankSimulator other =
                EmbeddedBankSimulator.start(directory, 0, null, secretFile, Duration.ofSeconds(2))) {
            firstPid = other.pid();
            firstPort = other.port();
            assertThat(other.baseUrl()).isEqualTo(URI.create("http://127.0.0.1:" + firstPort));
            assertThat(client.send(
                                    HttpRequest.newBuilder(other.baseUrl().resolve("/health"))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString())
                            .body())
                    .contains("ok");
            assertThatThrownBy(() -> EmbeddedBankSimulator.start(directory, 0, null, secretFile, Duration.ZERO))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("in use by a running wallet");
        }
        assertThat(ProcessHandle.of(firstPid).map(ProcessHandle::isAlive).orElse(false))
                .as("stopped by its pid")
                .isFalse();

        try (EmbeddedBankSimulator other = EmbeddedBankSimulator.start(directory, 0, null, secretFile, Duration.ZERO)) {
            assertThat(other.port())
                    .as("the port remembered in " + EmbeddedBankSimulator.PORT_FILE)
                    .isEqualTo(firstPort);
            ProcessHandle process = ProcessHandle.of(other.pid()).orElseThrow();

            other.closeParentPipe();

            assertThat(process.onExit().get(10, TimeUnit.SECONDS).isAlive()).isFalse();
            assertThat(Files.readString(other.logFile())).contains("Standard input closed");
        }
    }

    @Test
    void start_withoutASecretFile_saysSo(@TempDir Path directory) {
        assertThatThrownBy(() ->
                        EmbeddedBankSimulator.start(directory, 0, null, directory.resolve("absent"), Duration.ZERO))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("secret file");
    }

    private static URI webhookUrl() {
        return URI.create("http://127.0.0.1:" + receiver.getAddress().getPort() + "/bank-webhooks");
    }

    private static String requestId() {
        return "req-" + UUID.randomUUID();
    }

    /** Our side of the contract, written from docs/bank-simulator.md: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>. */
    private static boolean signatureValid(String header, byte[] body) {
        if (header == null || !header.matches("t=[0-9]+,v1=[0-9a-f]{64}")) {
            return false;
        }
        String timestamp = header.substring(2, header.indexOf(','));
        byte[] claimed = HexFormat.of().parseHex(header.substring(header.indexOf("v1=") + 3));
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update((timestamp + ".").getBytes(StandardCharsets.US_ASCII));
            return MessageDigest.isEqual(claimed, mac.doFinal(body));
        } catch (Exception unavailable) {
            throw new IllegalStateException(unavailable);
        }
    }

    private static long signedAt(String header) {
        return header == null || !header.startsWith("t=")
                ? -1
                : Long.parseLong(header.substring(2, header.indexOf(',')));
    }

    private static HttpResponse<String> transfer(
            String requestId, String direction, String accountNumber, String amount) throws Exception {
        return post(
                "/v1/transfers",
                requestId,
                Map.of(
                        "request_id",
                        requestId,
                        "direction",
                        direction,
                        "routing_number",
                        ROUTING_NUMBER,
                        "account_number",
                        accountNumber,
                        "holder_name",
                        "Ada Lovelace",
                        "amount",
                        amount,
                        "currency",
                        "USD"));
    }

    private static void admin(Map<String, Object> changes) throws Exception {
        HttpResponse<String> response = post("/admin/config", null, changes);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    private static HttpResponse<String> post(String path, String idempotencyKey, Map<String, Object> body)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(bank.baseUrl().resolve(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return client.send(
                HttpRequest.newBuilder(bank.baseUrl().resolve(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(HttpResponse<String> response) {
        return JSON.readValue(response.body(), Map.class);
    }

    private static List<Delivery> deliveriesFor(String requestId) {
        synchronized (deliveries) {
            return deliveries.stream()
                    .filter(delivery -> requestId.equals(delivery.requestId()))
                    .toList();
        }
    }

    /** Waits until {@code count} deliveries for {@code requestId} have arrived; returns them in arrival order. */
    private static List<Delivery> awaitDeliveries(String requestId, int count) throws InterruptedException {
        return await(() -> deliveriesFor(requestId), found -> found.size() >= count, "deliveries for " + requestId);
    }

    private static void awaitStatus(String bankTransferId, String status) throws InterruptedException {
        await(
                () -> {
                    try {
                        return json(get("/v1/transfers/" + bankTransferId));
                    } catch (Exception failure) {
                        throw new IllegalStateException(failure);
                    }
                },
                transfer -> status.equals(transfer.get("status")),
                bankTransferId + " " + status);
    }

    private static <T> T await(Supplier<T> probe, Predicate<T> done, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        T value = probe.get();
        while (!done.test(value)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Timed out after " + WAIT + " waiting for " + what + "; last saw " + value);
            }
            Thread.sleep(20);
            value = probe.get();
        }
        return value;
    }
}
