package org.openwallet.bank;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class WebhookSignatureTest {
    private static final byte[] SECRET = Base64.getDecoder().decode("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
    private static final byte[] BODY = "{\"event_id\":\"evt_1\"}".getBytes(StandardCharsets.UTF_8);

    @Test
    void header_isTimestampAndLowercaseHexHmacOfTimestampDotBody() {
        // Computed independently: python3 -c "import hmac,hashlib; print(hmac.new(bytes(range(32)),
        // b'1700000000.{\"event_id\":\"evt_1\"}', hashlib.sha256).hexdigest())"
        assertEquals(
                "t=1700000000,v1=efaa1da03d3e10b7a2367bfa8825b85fce9dfe89e1d2d77507dbeba8a49b0fc7",
                WebhookSignature.header(SECRET, 1_700_000_000L, BODY));
    }

    @Test
    void verify_acceptsItsOwnHeader_andRefusesAnotherBody_anotherTimestamp_anotherSecret_andGarbage() {
        String header = WebhookSignature.header(SECRET, 1_700_000_000L, BODY);
        assertTrue(WebhookSignature.verify(SECRET, header, BODY));
        assertFalse(
                WebhookSignature.verify(SECRET, header, "{\"event_id\":\"evt_2\"}".getBytes(StandardCharsets.UTF_8)));
        assertFalse(WebhookSignature.verify(SECRET, header.replace("t=1700000000", "t=1700000001"), BODY));
        byte[] otherSecret = SECRET.clone();
        otherSecret[0] ^= 1;
        assertFalse(WebhookSignature.verify(otherSecret, header, BODY));
        assertFalse(WebhookSignature.verify(SECRET, "t=1700000000", BODY));
        assertFalse(WebhookSignature.verify(SECRET, "t=x,v1=zz", BODY));
        assertFalse(WebhookSignature.verify(SECRET, null, BODY));
    }
}
