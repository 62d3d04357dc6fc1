package org.openwallet.platform.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Known answers computed by the code each call site had before {@link Signer} (captured from it, and
 * the two webhook ones checked with {@code openssl dgst -sha256 -hmac}): a change of output would
 * break stored fingerprints, cursors already handed out and webhook signatures on both sides.
 */
class SignerTest {
    private static final HexFormat HEX = HexFormat.of();

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] key(int first) {
        byte[] key = new byte[32];
        for (int i = 0; i < key.length; i++) {
            key[i] = (byte) (first + i);
        }
        return key;
    }

    @Test
    void sign_bankWebhook_isHmacSha256OfTimestampDotBody() {
        // printf '%s' '1764800000.{"event":"deposit.settled"}' | openssl dgst -sha256 -hmac
        // 'bank-webhook-secret-0123456789ab'
        Signer signer = new Signer(ascii("bank-webhook-secret-0123456789ab"));

        assertThat(HEX.formatHex(signer.sign(ascii("1764800000."), ascii("{\"event\":\"deposit.settled\"}"))))
                .isEqualTo("ca610e8c5745a2b946b0220436facd8c450af611fe1f1c8278de7d7ecf376b4c");
    }

    @Test
    void sign_ofSeveralParts_isTheSignOfTheirConcatenation() {
        Signer signer = new Signer(ascii("whsec_test-secret"));

        // printf '%s' '1764800000.{"type":"payment.received"}' | openssl dgst -sha256 -hmac 'whsec_test-secret'
        assertThat(HEX.formatHex(signer.sign(ascii("1764800000.{\"type\":\"payment.received\"}"))))
                .isEqualTo("bff1bb3016bce73172904520ded38c7b1c423b5d8bc11dff1d69168e732d6b59");
        assertThat(signer.sign(ascii("1764800000."), ascii("{\"type\":"), ascii("\"payment.received\"}")))
                .isEqualTo(signer.sign(ascii("1764800000.{\"type\":\"payment.received\"}")));
    }

    @Test
    void sign_accountFingerprint_underTheDerivedKey() {
        Signer fingerprints = new Signer(new Signer(key(0)).sign(ascii("fingerprint")));

        assertThat(HEX.formatHex(fingerprints.sign(ascii("000123456789"))))
                .isEqualTo("ec4a59546392492f4782c46b090f79c8b8059609d7dacacfb351659fc49c0f75");
    }

    @Test
    void sign_truncated_isTheTagOfAFeedCursorTheOldCodeMade() {
        // A feed cursor: 30 bytes of position, then the first 16 bytes of the HMAC of the position and the reader's id.
        byte[] cursor = Base64.getUrlDecoder().decode("AQAAAxd0AAABmuZG8HsBkKGyAABwAIAAAAAAAABCbVkKa478swzDt21QqrHRMQ");
        UUID reader = UUID.fromString("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
        byte[] readerBytes = ByteBuffer.allocate(16)
                .putLong(reader.getMostSignificantBits())
                .putLong(reader.getLeastSignificantBits())
                .array();
        Signer signer = new Signer(key(0x20), 16);

        byte[] tag = signer.sign(Arrays.copyOf(cursor, 30), readerBytes);

        assertThat(tag).isEqualTo(Arrays.copyOfRange(cursor, 30, 46));
        assertThat(tag)
                .isEqualTo(Arrays.copyOf(new Signer(key(0x20)).sign(Arrays.copyOf(cursor, 30), readerBytes), 16));
    }

    @Test
    void verifies_theTag_andNothingElse() {
        Signer signer = new Signer(key(0));
        byte[] tag = signer.sign(ascii("t."), ascii("body"));
        byte[] flipped = tag.clone();
        flipped[31] ^= 1;

        assertThat(signer.verifies(tag, ascii("t."), ascii("body"))).isTrue();
        assertThat(signer.verifies(flipped, ascii("t."), ascii("body"))).isFalse();
        assertThat(signer.verifies(tag, ascii("t."), ascii("bodY"))).isFalse();
        assertThat(new Signer(key(1)).verifies(tag, ascii("t."), ascii("body")))
                .as("another key")
                .isFalse();
    }

    @Test
    void verifies_aShortenedTag_isFalse() {
        Signer signer = new Signer(key(0));
        byte[] tag = signer.sign(ascii("body"));

        assertThat(signer.verifies(Arrays.copyOf(tag, 16), ascii("body"))).isFalse();
        assertThat(signer.verifies(new byte[0], ascii("body"))).isFalse();
        assertThat(new Signer(key(0), 16).verifies(tag, ascii("body")))
                .as("a full tag where 16 bytes are expected")
                .isFalse();
        assertThat(new Signer(key(0), 16).verifies(Arrays.copyOf(tag, 16), ascii("body")))
                .isTrue();
    }

    @Test
    void constructor_refusesTagsShorterThan16OrLongerThan32Bytes() {
        assertThatThrownBy(() -> new Signer(key(0), 15)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Signer(key(0), 33)).isInstanceOf(IllegalArgumentException.class);
    }
}
