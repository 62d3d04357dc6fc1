package org.openwallet.bank;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP API in this JVM: what the bank refuses and why. The whole program, as the wallet runs it
 * (a child process, webhooks, modes), is tested by the server's EmbeddedBankSimulatorTest.
 */
class HttpApiTest {
    private static final String VALID = """
            {"request_id": "%s", "direction": "debit", "routing_number": "021000021", "account_number": "123456789",
             "holder_name": "Ada Lovelace", "amount": "12.50", "currency": "USD"}""";

    @TempDir
    Path directory;

    private BankSimulator bank;
    private final HttpClient client = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws IOException {
        Path secret = directory.resolve("secret");
        Files.writeString(secret, Base64.getEncoder().encodeToString(new byte[32]));
        bank = BankSimulator.start(BankSimulator.Options.parse(new String[] {
            "--secret-file=" + secret, "--port-file=" + directory.resolve("port"), "--exit-on-stdin-eof=false"
        }));
    }

    @AfterEach
    void stop() {
        bank.close();
        client.close();
    }

    @Test
    void portFile_holdsTheBoundPort() throws IOException {
        assertEquals(
                Integer.toString(bank.port()),
                Files.readString(directory.resolve("port")).strip());
    }

    @Test
    void transfer_isAccepted_replayed_andRefusedWithADifferentBody() throws Exception {
        HttpResponse<String> first = post("/v1/transfers", "req-1", VALID.formatted("req-1"));
        HttpResponse<String> replay = post(
                "/v1/transfers",
                "req-1",
                VALID.formatted("req-1").replace(": ", ":").replace("\n", "").replace("12.50", "12.5"));
        HttpResponse<String> different =
                post("/v1/transfers", "req-1", VALID.formatted("req-1").replace("12.50", "13.00"));

        assertEquals(202, first.statusCode());
        assertTrue(
                first.body()
                        .matches(
                                "\\{\"bank_transfer_id\":\"bt_[0-9a-f]{32}\",\"request_id\":\"req-1\",\"status\":\"accepted\"}"),
                first.body());
        assertEquals(202, replay.statusCode());
        assertEquals(first.body(), replay.body());
        assertEquals(422, different.statusCode());
        assertTrue(different.body().contains("\"idempotency_conflict\""), different.body());

        String id = first.body().replaceAll(".*\"(bt_[0-9a-f]+)\".*", "$1");
        assertTrue(
                different.body().contains("\"bank_transfer_id\":\"" + id + "\""),
                "the conflict names the transfer the bank holds: " + different.body());
        HttpResponse<String> status = get("/v1/transfers/" + id);
        assertEquals(200, status.statusCode());
        assertTrue(status.body().contains("\"status\":\"accepted\""), status.body());
        assertTrue(status.body().contains("\"amount\":\"12.50\""), status.body());
    }

    @Test
    void invalidTransfers_areRefusedWith400_namingTheProblem() throws Exception {
        Map<String, String> bodies = Map.ofEntries(
                Map.entry("invalid_routing_number", VALID.formatted("r").replace("021000021", "021000022")),
                Map.entry("invalid_account_number", VALID.formatted("r").replace("123456789", "123")),
                Map.entry("invalid_amount", VALID.formatted("r").replace("\"12.50\"", "\"12.505\"")),
                Map.entry("invalid_currency", VALID.formatted("r").replace("USD", "EUR")),
                Map.entry("invalid_direction", VALID.formatted("r").replace("debit", "sideways")),
                Map.entry("invalid_holder_name", VALID.formatted("r").replace("Ada Lovelace", " ")),
                Map.entry("unknown_field", VALID.formatted("r").replace("}", ", \"memo\": \"x\"}")),
                Map.entry("invalid_json", VALID.formatted("r").replace("}", ", \"amount\": \"1.00\"}")));
        for (Map.Entry<String, String> body : bodies.entrySet()) {
            HttpResponse<String> response = post("/v1/transfers", "r", body.getValue());
            assertEquals(400, response.statusCode(), body.getKey());
            assertTrue(response.body().contains("\"code\":\"" + body.getKey() + "\""), response.body());
        }
        assertEquals(
                400,
                post("/v1/transfers", "r", VALID.formatted("r").replace("\"12.50\"", "12.50"))
                        .statusCode(),
                "a number amount");
        assertTrue(post("/v1/transfers", null, VALID.formatted("r")).body().contains("missing_idempotency_key"));
        assertTrue(post("/v1/transfers", "other", VALID.formatted("r")).body().contains("idempotency_key_mismatch"));
        assertEquals(
                413,
                post("/v1/transfers", "r", " ".repeat(HttpApi.MAX_BODY_BYTES + 1))
                        .statusCode());
    }

    @Test
    void otherRequests_notFound_wrongMethod_badDate_badConfig() throws Exception {
        assertEquals(200, get("/health").statusCode());
        assertEquals(404, get("/v1/transfers/bt_nothing").statusCode());
        assertEquals(404, get("/v2/anything").statusCode());
        assertEquals(405, get("/v1/transfers").statusCode());
        assertEquals(400, get("/v1/reports/settlement?date=yesterday").statusCode());
        assertEquals(400, post("/admin/config", null, "{\"failure_rate\": 2}").statusCode());
        assertEquals(
                400, post("/admin/clock/advance", null, "{\"seconds\": -1}").statusCode());
        assertEquals(
                200, post("/admin/clock/advance", null, "{\"seconds\": 3600}").statusCode());
        assertTrue(get("/admin/clock").body().contains("\"offset_seconds\":3600"));
    }

    @Test
    void adminReturn_ofASettledDebit_isInTheReportsReturns_onceOnly() throws Exception {
        post("/admin/config", null, "{\"delay_millis\": 0}");
        HttpResponse<String> accepted = post("/v1/transfers", "req-1", VALID.formatted("req-1"));
        String id = accepted.body().replaceAll(".*\"(bt_[0-9a-f]+)\".*", "$1");
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!get("/v1/transfers/" + id).body().contains("\"settled\"") && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }

        HttpResponse<String> returned = post("/admin/transfers/" + id + "/return", null, "{\"reason_code\": \"R10\"}");
        HttpResponse<String> again = post("/admin/transfers/" + id + "/return", null, "{}");

        assertEquals(200, returned.statusCode(), returned.body());
        assertTrue(
                returned.body().contains("\"status\":\"returned\"")
                        && returned.body().contains("\"reason_code\":\"R10\""),
                returned.body());
        assertEquals(409, again.statusCode());
        assertTrue(again.body().contains("\"not_returnable\""), again.body());
        assertEquals(
                400,
                post("/admin/transfers/" + id + "/return", null, "{\"reason_code\": \"R02\"}")
                        .statusCode());
        assertEquals(404, post("/admin/transfers/bt_nothing/return", null, "{}").statusCode());
        String today = get("/admin/clock").body().replaceAll(".*\"now\":\"([0-9-]{10}).*", "$1");
        String report = get("/v1/reports/settlement?date=" + today).body();
        assertTrue(report.contains("\"returns\":[{\"bank_transfer_id\":\"" + id + "\""), report);
        assertTrue(
                report.contains("\"items\":[{\"bank_transfer_id\":\"" + id + "\""), "the settlement stays: " + report);
    }

    @Test
    void webhook_thatNeverSucceeds_isAbandonedAfterMaxAttempts() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/", exchange -> {
            attempts.incrementAndGet();
            exchange.sendResponseHeaders(503, -1);
            exchange.close();
        });
        receiver.start();
        try {
            post("/admin/config", null, """
                    {"delay_millis": 0, "webhook_url": "http://127.0.0.1:%d/hook", "webhook_retry_initial_millis": 5,
                     "webhook_retry_max_millis": 20, "webhook_max_attempts": 4}""".formatted(receiver.getAddress().getPort()));
            assertEquals(
                    202,
                    post("/v1/transfers", "req-1", VALID.formatted("req-1")).statusCode());

            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!get("/admin/stats").body().contains("\"abandoned\":1") && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(
                    get("/admin/stats").body().contains("\"abandoned\":1"),
                    get("/admin/stats").body());
            Thread.sleep(100);
            assertEquals(4, attempts.get(), "no fifth attempt");
        } finally {
            receiver.stop(0);
        }
    }

    @Test
    void microDeposits_areSent_replayed_refusedWhenInvalid_andShownOnTheAccountsStatement() throws Exception {
        String order = """
                {"request_id": "ba-1", "routing_number": "021000021", "account_number": "123456789", "holder_name": "Ada Lovelace",
                 "amounts": ["0.32", "0.07"], "currency": "USD"}""";
        HttpResponse<String> first = post("/v1/micro-deposits", "ba-1", order);
        HttpResponse<String> replay = post("/v1/micro-deposits", "ba-1", order);
        HttpResponse<String> different = post("/v1/micro-deposits", "ba-1", order.replace("0.32", "0.33"));
        HttpResponse<String> tooLarge =
                post("/v1/micro-deposits", "ba-2", order.replace("ba-1", "ba-2").replace("0.32", "1.00"));
        HttpResponse<String> one =
                post("/v1/micro-deposits", "ba-3", order.replace("ba-1", "ba-3").replace("\"0.32\", ", ""));

        assertEquals(202, first.statusCode(), first.body());
        assertTrue(
                first.body()
                        .matches(
                                "\\{\"micro_deposit_id\":\"md_[0-9a-f]{32}\",\"request_id\":\"ba-1\",\"status\":\"sent\"}"),
                first.body());
        assertEquals(first.body(), replay.body());
        assertEquals(422, different.statusCode());
        assertEquals(400, tooLarge.statusCode());
        assertTrue(tooLarge.body().contains("\"invalid_amounts\""), tooLarge.body());
        assertEquals(400, one.statusCode());

        HttpResponse<String> statement = get("/admin/micro-deposits?routing_number=021000021&account_number=123456789");
        assertEquals(200, statement.statusCode());
        assertTrue(statement.body().contains("\"amounts\":[\"0.32\",\"0.07\"]"), statement.body());
        assertEquals(1, statement.body().split("micro_deposit_id").length - 1, statement.body());
        assertEquals(
                "{\"items\":[]}",
                get("/admin/micro-deposits?routing_number=021000021&account_number=999999")
                        .body());
        assertEquals(400, get("/admin/micro-deposits?routing_number=021000021").statusCode());
    }

    private HttpResponse<String> post(String path, String idempotencyKey, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bank.port() + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bank.port() + path))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
