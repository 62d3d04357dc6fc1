package org.openwallet.funding;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import org.openwallet.platform.crypto.Signer;

/**
 * The bank's webhook signature: {@code Bank-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">}
 * under the shared secret. Verified in constant time; a timestamp further than the tolerance from
 * now (either way) is refused, so a captured delivery cannot be replayed later.
 */
final class BankWebhooks {
    private final Signer signer;
    private final Duration tolerance;
    private final Clock clock;

    BankWebhooks(byte[] secret, Duration tolerance, Clock clock) {
        this.signer = new Signer(secret);
        this.tolerance = tolerance;
        this.clock = clock;
    }

    /** Why a signature is refused, or null when it is valid. */
    String refusal(String header, byte[] body) {
        if (header == null || header.isBlank()) {
            return "no Bank-Signature header";
        }
        String timestamp = null;
        String signature = null;
        for (String part : header.split(",")) {
            String[] pair = part.strip().split("=", 2);
            if (pair.length == 2 && pair[0].equals("t")) {
                timestamp = pair[1];
            } else if (pair.length == 2 && pair[0].equals("v1")) {
                signature = pair[1];
            }
        }
        if (timestamp == null || signature == null || !timestamp.matches("[0-9]{1,12}")) {
            return "Bank-Signature is not t=<unix seconds>,v1=<hex>";
        }
        Instant signedAt = Instant.ofEpochSecond(Long.parseLong(timestamp));
        if (Duration.between(signedAt, clock.instant()).abs().compareTo(tolerance) > 0) {
            return "the signature's timestamp is more than " + tolerance.toMinutes() + " minutes away";
        }
        byte[] given;
        try {
            given = HexFormat.of().parseHex(signature);
        } catch (IllegalArgumentException notHex) {
            return "the signature is not hex";
        }
        return signer.verifies(given, signedPrefix(timestamp), body) ? null : "the signature does not match";
    }

    private static byte[] signedPrefix(String timestamp) {
        return (timestamp + ".").getBytes(StandardCharsets.US_ASCII);
    }
}
