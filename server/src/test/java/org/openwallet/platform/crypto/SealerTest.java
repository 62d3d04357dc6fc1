package org.openwallet.platform.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * Known answers sealed by the code {@code AccountNumbers} had before {@link Sealer} (captured from
 * it): account numbers and micro-deposit amounts already stored must keep opening, and a value
 * sealed now must have the same layout ({@code nonce || ciphertext || tag}).
 */
class SealerTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final String ACCOUNT = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
    /** "000123456789" sealed for {@link #ACCOUNT}. */
    private static final String OLD_NUMBER =
            "73ddfa1e3350cae898bed705e77c50454925169eb22ed09e7de0b5f570bfef84e43c511a91db0356";
    /** "0.32,0.45" sealed for "micro-deposits:" + {@link #ACCOUNT}. */
    private static final String OLD_MICRO_DEPOSITS =
            "00570665695c392f2dab784c9f2e13d37529e7c05adbabad9ec3bd16aa0c31f85ed6aa9985";

    private static byte[] key() {
        byte[] key = new byte[32];
        for (int i = 0; i < key.length; i++) {
            key[i] = (byte) i;
        }
        return key;
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void open_valuesSealedByTheOldCode() {
        Sealer sealer = new Sealer(key());

        assertThat(sealer.open(ACCOUNT, HEX.parseHex(OLD_NUMBER))).isEqualTo(ascii("000123456789"));
        assertThat(sealer.open("micro-deposits:" + ACCOUNT, HEX.parseHex(OLD_MICRO_DEPOSITS)))
                .isEqualTo(ascii("0.32,0.45"));
    }

    @Test
    void seal_withTheOldCodesNonce_givesTheOldCodesBytes() {
        byte[] old = HEX.parseHex(OLD_NUMBER);
        Sealer sealer = new Sealer(key(), nonce -> System.arraycopy(old, 0, nonce, 0, nonce.length));

        assertThat(HEX.formatHex(sealer.seal(ACCOUNT, ascii("000123456789")))).isEqualTo(OLD_NUMBER);
    }

    @Test
    void seal_twice_givesDifferentBytesThatBothOpen() {
        Sealer sealer = new Sealer(key());

        byte[] first = sealer.seal(ACCOUNT, ascii("000123456789"));
        byte[] second = sealer.seal(ACCOUNT, ascii("000123456789"));

        assertThat(first).isNotEqualTo(second);
        assertThat(first).hasSize(12 + 12 + 16);
        assertThat(sealer.open(ACCOUNT, first))
                .isEqualTo(sealer.open(ACCOUNT, second))
                .isEqualTo(ascii("000123456789"));
    }

    @Test
    void open_underAnotherContextOrKey_orAltered_isRefused() {
        Sealer sealer = new Sealer(key());
        byte[] sealed = HEX.parseHex(OLD_NUMBER);
        byte[] altered = sealed.clone();
        altered[20] ^= 1;
        byte[] otherKey = key();
        otherKey[0] = 1;

        assertThatThrownBy(() -> sealer.open("micro-deposits:" + ACCOUNT, sealed))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("micro-deposits:" + ACCOUNT);
        assertThatThrownBy(() -> sealer.open(ACCOUNT, altered)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> sealer.open(ACCOUNT, Arrays.copyOf(sealed, sealed.length - 1)))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new Sealer(otherKey).open(ACCOUNT, sealed)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void constructor_refusesAKeyThatIsNotAnAesKey() {
        assertThatThrownBy(() -> new Sealer(new byte[31])).isInstanceOf(IllegalArgumentException.class);
    }
}
