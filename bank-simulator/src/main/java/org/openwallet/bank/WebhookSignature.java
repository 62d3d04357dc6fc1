package org.openwallet.bank;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The {@code Bank-Signature} header: {@code t=<unix seconds>,v1=<hex HMAC-SHA256>}, the scheme of
 * Stripe's webhooks. The MAC covers {@code "<t>.<raw body>"}, so the timestamp cannot be changed
 * without breaking the signature, and a receiver that rejects old timestamps cannot be fed a
 * recorded delivery later (replay). Every delivery attempt is signed afresh with a new {@code t}.
 */
final class WebhookSignature {
    static final String HEADER = "Bank-Signature";
    private static final String ALGORITHM = "HmacSHA256";

    private WebhookSignature() {}

    static String header(byte[] secret, long unixSeconds, byte[] body) {
        return "t=" + unixSeconds + ",v1=" + HexFormat.of().formatHex(mac(secret, unixSeconds, body));
    }

    /**
     * True when {@code header} carries a {@code v1} MAC of {@code body} under {@code secret} for its own
     * {@code t}. The timestamp's age is the receiver's to judge. Compared in constant time.
     */
    static boolean verify(byte[] secret, String header, byte[] body) {
        if (header == null) {
            return false;
        }
        Long unixSeconds = null;
        byte[] claimed = null;
        for (String part : header.split(",")) {
            int equals = part.indexOf('=');
            if (equals < 0) {
                return false;
            }
            String name = part.substring(0, equals).strip();
            String value = part.substring(equals + 1).strip();
            try {
                if (name.equals("t")) {
                    unixSeconds = Long.parseLong(value);
                } else if (name.equals("v1")) {
                    claimed = HexFormat.of().parseHex(value);
                }
            } catch (IllegalArgumentException malformed) {
                return false;
            }
        }
        return unixSeconds != null && claimed != null && MessageDigest.isEqual(claimed, mac(secret, unixSeconds, body));
    }

    private static byte[] mac(byte[] secret, long unixSeconds, byte[] body) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(secret, ALGORITHM));
            mac.update((unixSeconds + ".").getBytes(StandardCharsets.US_ASCII));
            return mac.doFinal(body);
        } catch (GeneralSecurityException unavailable) {
            // Every JDK ships HmacSHA256; its absence is a broken runtime, not a condition to handle.
            throw new IllegalStateException(ALGORITHM + " is unavailable", unavailable);
        }
    }
}
