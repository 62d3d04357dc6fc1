package org.openwallet.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openwallet.Api;
import org.openwallet.LedgerTestSupport;
import org.openwallet.WalletIntegrationTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every way a {@code POST /v1/transfers} can be refused. Each test checks the status, the stable
 * {@code code}, and that no money moved: the sender still has what it was funded with, the
 * recipient still has nothing, and no transfer between them exists.
 */
class TransferValidationApiTest extends WalletIntegrationTest {
    /** 20,000.00 USD: enough for a transfer of the per-transfer maximum, so only the rule under test can refuse. */
    private static final long FUNDED_MINOR = 2_000_000;

    private static final String FUNDED = "20000.00";
    private static final HttpClient CLIENT =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @LocalServerPort
    int serverPort;

    private Api.User sender;
    private Api.User recipient;

    @BeforeEach
    void users() {
        sender = api.newUser();
        recipient = api.newUser();
        LedgerTestSupport.fund(transactions, ledger, sender.id(), FUNDED_MINOR);
    }

    // --- helpers ---

    private static Map<String, String> body(String... keysAndValues) {
        Map<String, String> body = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            body.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return body;
    }

    /** A valid body paying the recipient, with {@code overrides} put over it (a null value removes the field). */
    private Map<String, String> validBody(String... overrides) {
        Map<String, String> body = body("to_handle", recipient.handle(), "amount", "1.00", "currency", "USD");
        for (int i = 0; i < overrides.length; i += 2) {
            if (overrides[i + 1] == null) {
                body.remove(overrides[i]);
            } else {
                body.put(overrides[i], overrides[i + 1]);
            }
        }
        return body;
    }

    private Api.Response send(Object body) {
        return api.post("/v1/transfers", sender.token(), UUID.randomUUID().toString(), body);
    }

    private Api.Response sendRaw(String json) {
        return api.postRaw("/v1/transfers", sender.token(), UUID.randomUUID().toString(), json);
    }

    private Api.Response sendWith(String contentType, HttpRequest.BodyPublisher body) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + serverPort + "/v1/transfers"))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + sender.token())
                .header("Idempotency-Key", UUID.randomUUID().toString())
                .header("Content-Type", contentType)
                .POST(body)
                .build();
        try {
            HttpResponse<String> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
            return new Api.Response(response.statusCode(), response);
        } catch (IOException | InterruptedException exception) {
            throw new IllegalStateException(exception);
        }
    }

    /**
     * A valid transfer request written byte for byte to a socket, with {@code idempotencyKey} as the
     * header's raw bytes, for what an HTTP client library would not send.
     */
    private Api.Response sendOverSocket(byte[] idempotencyKey) throws IOException {
        byte[] json = JSON.writeValueAsBytes(validBody());
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.writeBytes(("POST /v1/transfers HTTP/1.1\r\n"
                        + "Host: 127.0.0.1:" + serverPort + "\r\n"
                        + "Authorization: Bearer " + sender.token() + "\r\n"
                        + "Content-Type: application/json\r\n"
                        + "Content-Length: " + json.length + "\r\n"
                        + "Connection: close\r\n"
                        + "Idempotency-Key: ")
                .getBytes(StandardCharsets.US_ASCII));
        request.writeBytes(idempotencyKey);
        request.writeBytes("\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        request.writeBytes(json);
        try (Socket socket = new Socket("127.0.0.1", serverPort)) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write(request.toByteArray());
            socket.getOutputStream().flush();
            return RawResponse.parse(socket.getInputStream().readAllBytes());
        }
    }

    /** Just enough of HTTP/1.1 to read the status, headers and a Content-Length or chunked body. */
    private static final class RawResponse {
        static Api.Response parse(byte[] bytes) {
            String text = new String(bytes, StandardCharsets.UTF_8);
            int headerEnd = text.indexOf("\r\n\r\n");
            String[] lines = text.substring(0, headerEnd).split("\r\n");
            int status = Integer.parseInt(lines[0].split(" ")[1]);
            Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.computeIfAbsent(lines[i].substring(0, colon).trim(), name -> new ArrayList<>())
                        .add(lines[i].substring(colon + 1).trim());
            }
            String body = text.substring(headerEnd + 4);
            if (headers.getOrDefault("Transfer-Encoding", List.of()).contains("chunked")) {
                StringBuilder unchunked = new StringBuilder();
                int at = 0;
                while (true) {
                    int lineEnd = body.indexOf("\r\n", at);
                    int size = Integer.parseInt(body.substring(at, lineEnd).trim(), 16);
                    if (size == 0) {
                        break;
                    }
                    unchunked.append(body, lineEnd + 2, lineEnd + 2 + size);
                    at = lineEnd + 2 + size + 2;
                }
                body = unchunked.toString();
            }
            HttpHeaders httpHeaders = HttpHeaders.of(headers, (name, value) -> true);
            String finalBody = body;
            return new Api.Response(status, new HttpResponse<>() {
                public int statusCode() {
                    return status;
                }

                public HttpRequest request() {
                    return null;
                }

                public Optional<HttpResponse<String>> previousResponse() {
                    return Optional.empty();
                }

                public HttpHeaders headers() {
                    return httpHeaders;
                }

                public String body() {
                    return finalBody;
                }

                public Optional<SSLSession> sslSession() {
                    return Optional.empty();
                }

                public URI uri() {
                    return null;
                }

                public HttpClient.Version version() {
                    return HttpClient.Version.HTTP_1_1;
                }
            });
        }
    }

    /** The refusal is the expected problem, and nothing moved. */
    private void assertRefused(Api.Response response, int status, String code) {
        assertThat(response.status()).as(response.body()).isEqualTo(status);
        assertThat(response.header("Content-Type")).startsWith("application/problem+json");
        assertThat(response.code()).isEqualTo(code);
        assertThat(response.json().get("status").asInt()).isEqualTo(status);
        assertThat(response.json().get("title").asString()).isNotBlank();
        assertNoMoneyMoved();
    }

    private void assertNoMoneyMoved() {
        Api.Response senderBalance = api.get("/v1/accounts/me/balance", sender.token());
        Api.Response recipientBalance = api.get("/v1/accounts/me/balance", recipient.token());
        assertThat(senderBalance.json().get("available").asString()).isEqualTo(FUNDED);
        assertThat(senderBalance.json().get("pending").asString()).isEqualTo("0.00");
        assertThat(recipientBalance.json().get("available").asString()).isEqualTo("0.00");
        assertThat(recipientBalance.json().get("pending").asString()).isEqualTo("0.00");
        assertThat(api.get("/v1/transfers", recipient.token()).json().get("items"))
                .isEmpty();
    }

    private void assertCreated(Api.Response response) {
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        assertThat(response.json().get("status").asString()).isEqualTo("posted");
    }

    // --- the control: the valid body these tests vary is accepted ---

    @Test
    void transfer_withTheValidBodyTheseTestsVary_isCreated() {
        assertCreated(send(validBody()));
        assertThat(api.available(recipient)).isEqualTo("1.00");
    }

    // --- Idempotency-Key header ---

    @Test
    void transfer_withoutIdempotencyKey_isIdempotencyKeyMissing() {
        Api.Response response = api.post("/v1/transfers", sender.token(), null, validBody());

        assertRefused(response, 400, "idempotency_key_missing");
    }

    @Test
    void transfer_withIdempotencyKeyOf256Characters_isIdempotencyKeyInvalid() {
        Api.Response response = api.post("/v1/transfers", sender.token(), "k".repeat(256), validBody());

        assertRefused(response, 400, "idempotency_key_invalid");
    }

    @Test
    void transfer_withIdempotencyKeyOf255PrintableCharacters_isCreated() {
        StringBuilder key = new StringBuilder();
        for (int i = 0; key.length() < 255; i++) {
            key.append((char) (0x21 + i % (0x7E - 0x21 + 1)));
        }

        Api.Response response = api.post("/v1/transfers", sender.token(), key.toString(), validBody());

        assertCreated(response);
    }

    @Test
    void transfer_withNonAsciiIdempotencyKey_isIdempotencyKeyInvalid() throws IOException {
        // java.net.http turns a non-ASCII header into '?', which is printable: send the raw bytes instead.
        byte[] utf8Key = ("cl\u00e9-" + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);
        byte[] latin1Key = ("cl\u00e9-" + UUID.randomUUID()).getBytes(StandardCharsets.ISO_8859_1);

        assertRefused(sendOverSocket(utf8Key), 400, "idempotency_key_invalid");
        assertRefused(sendOverSocket(latin1Key), 400, "idempotency_key_invalid");
    }

    @Test
    void transfer_withControlCharacterInIdempotencyKey_isIdempotencyKeyInvalid() {
        Api.Response response = api.post("/v1/transfers", sender.token(), "abc\tdef-" + UUID.randomUUID(), validBody());

        assertRefused(response, 400, "idempotency_key_invalid");
    }

    // --- amount ---

    @ParameterizedTest(name = "amount \"{0}\"")
    @ValueSource(
            strings = {
                "0",
                "0.00",
                "-1",
                "-0.01",
                "1.234",
                "0.001",
                "abc",
                "1e3",
                "",
                " ",
                " 1.00",
                "1,00",
                "NaN",
                "Infinity",
                "0x10",
                "+1",
                "10000.01",
                "99999999999999999999",
                "999999999999999999"
            })
    void transfer_withInvalidAmount_isInvalidAmount(String amount) {
        assertRefused(send(validBody("amount", amount)), 422, "invalid_amount");
    }

    @Test
    void transfer_withAmountJustAboveTheMaximum_isInvalidAmount() {
        assertRefused(send(validBody("amount", "10000.01")), 422, "invalid_amount");
    }

    @Test
    void transfer_ofExactlyTheMaximumAmount_isCreatedWhenFunded() {
        assertCreated(send(validBody("amount", "10000.00")));
        assertThat(api.available(sender)).isEqualTo("10000.00");
        assertThat(api.available(recipient)).isEqualTo("10000.00");
    }

    @Test
    void transfer_withAmountAsJsonNumber_isValidationFailed() {
        assertRefused(
                sendRaw("{\"to_handle\":\"" + recipient.handle() + "\",\"amount\":12.5,\"currency\":\"USD\"}"),
                400,
                "validation_failed");
        assertRefused(
                sendRaw("{\"to_handle\":\"" + recipient.handle() + "\",\"amount\":12,\"currency\":\"USD\"}"),
                400,
                "validation_failed");
    }

    @Test
    void transfer_withoutAmount_isValidationFailed() {
        assertRefused(send(validBody("amount", null)), 400, "validation_failed");
    }

    @Test
    void transfer_withNullAmount_isValidationFailed() {
        assertRefused(
                sendRaw("{\"to_handle\":\"" + recipient.handle() + "\",\"amount\":null,\"currency\":\"USD\"}"),
                400,
                "validation_failed");
    }

    // --- currency ---

    @Test
    void transfer_inCurrencyNotConfigured_isCurrencyMismatch() {
        assertRefused(send(validBody("currency", "EUR")), 422, "currency_mismatch");
    }

    @Test
    void transfer_withLowerCaseCurrency_isValidationFailed() {
        assertRefused(send(validBody("currency", "usd")), 400, "validation_failed");
    }

    @Test
    void transfer_withTwoLetterCurrency_isValidationFailed() {
        assertRefused(send(validBody("currency", "US")), 400, "validation_failed");
    }

    @Test
    void transfer_withoutCurrency_isValidationFailed() {
        assertRefused(send(validBody("currency", null)), 400, "validation_failed");
    }

    // --- recipient ---

    @Test
    void transfer_toOwnHandle_isSelfTransfer() {
        assertRefused(send(validBody("to_handle", sender.handle())), 422, "self_transfer");
    }

    @Test
    void transfer_toOwnHandleInAnotherCase_isSelfTransfer() {
        assertRefused(
                send(validBody("to_handle", sender.handle().toUpperCase(java.util.Locale.ROOT))), 422, "self_transfer");
    }

    @Test
    void transfer_toOwnUserId_isSelfTransfer() {
        assertRefused(
                send(validBody("to_handle", null, "to_user_id", sender.id().toString())), 422, "self_transfer");
    }

    @Test
    void transfer_toUnknownHandle_isRecipientNotFound() {
        assertRefused(
                send(validBody(
                        "to_handle", "nobody_" + UUID.randomUUID().toString().substring(0, 8))),
                404,
                "recipient_not_found");
    }

    @Test
    void transfer_toUnknownUserId_isRecipientNotFound() {
        assertRefused(
                send(validBody(
                        "to_handle", null, "to_user_id", UUID.randomUUID().toString())),
                404,
                "recipient_not_found");
    }

    @Test
    void transfer_toUserIdThatIsNotAUuid_isValidationFailed() {
        assertRefused(send(validBody("to_handle", null, "to_user_id", "not-a-uuid")), 400, "validation_failed");
    }

    @Test
    void transfer_toHandleWithForbiddenCharacters_isValidationFailed() {
        assertRefused(send(validBody("to_handle", "bad-handle!")), 400, "validation_failed");
    }

    @Test
    void transfer_withBothToUserIdAndToHandle_isValidationFailed() {
        assertRefused(send(validBody("to_user_id", recipient.id().toString())), 400, "validation_failed");
    }

    @Test
    void transfer_withNeitherToUserIdNorToHandle_isValidationFailed() {
        assertRefused(send(validBody("to_handle", null)), 400, "validation_failed");
    }

    // --- note ---

    @Test
    void transfer_withNoteOver280Characters_isValidationFailed() {
        assertRefused(send(validBody("note", "n".repeat(281))), 400, "validation_failed");
    }

    @Test
    void transfer_withNoteOfExactly280Characters_isCreated() {
        Api.Response response = send(validBody("note", "n".repeat(280)));

        assertCreated(response);
        assertThat(response.json().get("note").asString()).hasSize(280);
    }

    @Test
    void transfer_withNoteOf280Emoji_isCreatedBecauseCharactersAreCodePoints() {
        String note = "💸".repeat(280);

        Api.Response response = send(validBody("note", note));

        assertCreated(response);
        assertThat(response.json().get("note").asString()).isEqualTo(note);
    }

    @Test
    void transfer_withNoteOf281Emoji_isValidationFailed() {
        assertRefused(send(validBody("note", "💸".repeat(281))), 400, "validation_failed");
    }

    @Test
    void transfer_withNulCharacterInNote_isValidationFailed() {
        assertRefused(send(validBody("note", "lunch\u0000")), 400, "validation_failed");
    }

    @Test
    void transfer_withLoneSurrogateInNote_isValidationFailed() {
        // Not a character at all: it could not be stored as UTF-8 without changing it.
        assertRefused(
                sendRaw("{\"to_handle\":\"" + recipient.handle()
                        + "\",\"amount\":\"1.00\",\"currency\":\"USD\",\"note\":\"a\\ud800b\"}"),
                400,
                "validation_failed");
    }

    @Test
    void transfer_withNulCharacterInHandle_isValidationFailed() {
        assertRefused(send(validBody("to_handle", recipient.handle() + "\u0000")), 400, "validation_failed");
    }

    @Test
    void transfer_withOtherControlCharacterInNote_isValidationFailed() {
        assertRefused(send(validBody("note", "bell\u0007")), 400, "validation_failed");
    }

    @Test
    void transfer_withNoteAsJsonNumber_isValidationFailed() {
        assertRefused(
                sendRaw("{\"to_handle\":\"" + recipient.handle()
                        + "\",\"amount\":\"1.00\",\"currency\":\"USD\",\"note\":42}"),
                400,
                "validation_failed");
    }

    // --- visibility ---

    @Test
    void transfer_withUnknownVisibility_isValidationFailed() {
        assertRefused(send(validBody("visibility", "everyone")), 400, "validation_failed");
    }

    // --- the body as a whole ---

    @Test
    void transfer_withUnknownField_isValidationFailed() {
        assertRefused(send(validBody("tip", "1.00")), 400, "validation_failed");
    }

    @Test
    void transfer_withBodyOver16KiB_isValidationFailed() {
        assertRefused(send(validBody("note", "n".repeat(20_000))), 400, "validation_failed");
    }

    @Test
    void transfer_withChunkedBodyOver16KiB_isValidationFailed() {
        // No Content-Length: the limit must hold while the body is read, not only on the declared length.
        String json = "{\"to_handle\":\"" + recipient.handle()
                + "\",\"amount\":\"1.00\",\"currency\":\"USD\",\"note\":\"" + "n".repeat(20_000) + "\"}";
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);

        Api.Response response = sendWith(
                "application/json", HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes)));

        assertRefused(response, 400, "validation_failed");
    }

    @Test
    void transfer_withDuplicateJsonKey_isValidationFailed() {
        assertRefused(
                sendRaw("{\"to_handle\":\"" + recipient.handle()
                        + "\",\"amount\":\"1.00\",\"amount\":\"2.00\",\"currency\":\"USD\"}"),
                400,
                "validation_failed");
    }

    @Test
    void transfer_withMalformedJson_isValidationFailed() {
        assertRefused(
                sendRaw("{\"to_handle\":\"" + recipient.handle() + "\",\"amount\":\"1.00\""), 400, "validation_failed");
    }

    @Test
    void transfer_withTrailingContentAfterTheJson_isValidationFailed() {
        assertRefused(
                sendRaw("{\"to_handle\":\"" + recipient.handle() + "\",\"amount\":\"1.00\",\"currency\":\"USD\"} {}"),
                400,
                "validation_failed");
    }

    @Test
    void transfer_withEmptyBody_isValidationFailed() {
        assertRefused(sendRaw(""), 400, "validation_failed");
    }

    @Test
    void transfer_withJsonNullBody_isValidationFailed() {
        assertRefused(sendRaw("null"), 400, "validation_failed");
    }

    @Test
    void transfer_withJsonArrayBody_isValidationFailed() {
        assertRefused(
                sendRaw("[{\"to_handle\":\"" + recipient.handle() + "\",\"amount\":\"1.00\",\"currency\":\"USD\"}]"),
                400,
                "validation_failed");
    }

    @Test
    void transfer_withTextPlainContentType_isUnsupportedMediaType() {
        String json = "{\"to_handle\":\"" + recipient.handle() + "\",\"amount\":\"1.00\",\"currency\":\"USD\"}";

        Api.Response response = sendWith("text/plain", HttpRequest.BodyPublishers.ofString(json));

        assertRefused(response, 415, "unsupported_media_type");
    }

    // --- business rule decided against the ledger ---

    @Test
    void transfer_aboveTheAvailableBalance_isInsufficientFunds() {
        LedgerTestSupport.fund(transactions, ledger, recipient.id(), 500);
        Api.Response response = api.post(
                "/v1/transfers",
                recipient.token(),
                UUID.randomUUID().toString(),
                body("to_handle", sender.handle(), "amount", "5.01", "currency", "USD"));

        assertThat(response.status()).as(response.body()).isEqualTo(422);
        assertThat(response.header("Content-Type")).startsWith("application/problem+json");
        assertThat(response.code()).isEqualTo("insufficient_funds");
        assertThat(api.available(recipient)).isEqualTo("5.00");
        assertThat(api.available(sender)).isEqualTo(FUNDED);
    }

    @Test
    void transfer_fromAnEmptyWallet_isInsufficientFunds() {
        Api.User empty = api.newUser();

        Api.Response response = api.post(
                "/v1/transfers",
                empty.token(),
                UUID.randomUUID().toString(),
                body("to_handle", recipient.handle(), "amount", "0.01", "currency", "USD"));

        assertThat(response.status()).as(response.body()).isEqualTo(422);
        assertThat(response.code()).isEqualTo("insufficient_funds");
        assertThat(api.available(empty)).isEqualTo("0.00");
        assertNoMoneyMoved();
    }
}
