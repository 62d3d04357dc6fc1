package org.openwallet.funding;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.openwallet.Api;
import tools.jackson.databind.json.JsonMapper;

/**
 * Plays the bank: builds its webhook events and delivers them to {@code POST /v1/webhooks/bank},
 * signed as the bank signs them ({@code Bank-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">}).
 */
final class BankWebhookSender {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private final String url;
    private final byte[] secret;

    BankWebhookSender(String baseUrl, byte[] secret) {
        this.url = baseUrl + "/v1/webhooks/bank";
        this.secret = secret.clone();
    }

    /** The wallet's secret as it keeps it: base64 in {@code <data dir>/keys/bank-webhook.key}. */
    static byte[] secretOf(Path dataDir) {
        try {
            return Base64.getDecoder()
                    .decode(Files.readString(dataDir.resolve("keys").resolve("bank-webhook.key"))
                            .strip());
        } catch (IOException failure) {
            throw new IllegalStateException(failure);
        }
    }

    /** One bank event as JSON; {@code type} settled, failed or returned; {@code bankTransferId} the bank's id for the request. */
    static String event(
            String eventId,
            String type,
            UUID requestId,
            String bankTransferId,
            String direction,
            String amount,
            String reasonCode) {
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("event_id", eventId);
        event.put("type", "transfer." + type);
        event.put("bank_transfer_id", bankTransferId);
        event.put("request_id", requestId.toString());
        event.put("direction", direction);
        event.put("amount", amount);
        event.put("currency", "USD");
        event.put("reason_code", reasonCode);
        event.put("occurred_at", Instant.now().toString());
        return JSON.writeValueAsString(event);
    }

    static String newEventId() {
        return "evt_" + UUID.randomUUID();
    }

    /** The signature header for {@code body} signed at {@code signedAt} with {@code key}. */
    static String signature(byte[] key, Instant signedAt, String body) {
        String timestamp = Long.toString(signedAt.getEpochSecond());
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update((timestamp + ".").getBytes(StandardCharsets.US_ASCII));
            return "t=" + timestamp + ",v1="
                    + HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    String signature(Instant signedAt, String body) {
        return signature(secret, signedAt, body);
    }

    /** Delivers {@code body} signed now with the right secret. */
    Api.Response deliver(String body) {
        return deliver(body, signature(Instant.now(), body));
    }

    /** Delivers {@code body} with the given Bank-Signature header (none when null). */
    Api.Response deliver(String body, String signatureHeader) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (signatureHeader != null) {
            request.header("Bank-Signature", signatureHeader);
        }
        try {
            HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Api.Response(response.statusCode(), response);
        } catch (IOException failure) {
            throw new IllegalStateException(failure);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(interrupted);
        }
    }
}
