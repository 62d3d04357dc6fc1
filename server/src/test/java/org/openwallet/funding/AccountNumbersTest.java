package org.openwallet.funding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HexFormat;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stored account numbers keep opening and keep their fingerprints (which duplicate checks look up by
 * equality): known answers captured from the code before {@code platform.Sealer} and {@code Signer}.
 */
class AccountNumbersTest {
    private static final UUID ACCOUNT = UUID.fromString("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
    private static final HexFormat HEX = HexFormat.of();

    private static AccountNumbers numbers(Path directory) throws IOException {
        byte[] key = new byte[32];
        for (int i = 0; i < key.length; i++) {
            key[i] = (byte) i;
        }
        Path file = Files.writeString(
                directory.resolve("bank-account.key"), Base64.getEncoder().encodeToString(key));
        return new AccountNumbers(
                new FundingProperties(
                        null, null, file, null, null, null, 0, null, null, null, 5, 3, 3, null, null, 5, null),
                null);
    }

    @Test
    void open_andFingerprint_ofValuesTheOldCodeStored(@TempDir Path directory) throws IOException {
        AccountNumbers numbers = numbers(directory);

        assertThat(numbers.open(
                        ACCOUNT,
                        HEX.parseHex(
                                "73ddfa1e3350cae898bed705e77c50454925169eb22ed09e7de0b5f570bfef84e43c511a91db0356")))
                .isEqualTo("000123456789");
        assertThat(numbers.openMicroDeposits(
                        ACCOUNT,
                        HEX.parseHex("00570665695c392f2dab784c9f2e13d37529e7c05adbabad9ec3bd16aa0c31f85ed6aa9985")))
                .isEqualTo("0.32,0.45");
        assertThat(HEX.formatHex(numbers.fingerprint("000123456789")))
                .isEqualTo("ec4a59546392492f4782c46b090f79c8b8059609d7dacacfb351659fc49c0f75");
    }

    @Test
    void sealedNumber_doesNotOpenAsMicroDepositsOrForAnotherAccount(@TempDir Path directory) throws IOException {
        AccountNumbers numbers = numbers(directory);
        byte[] sealed = numbers.seal(ACCOUNT, "000123456789");

        assertThat(numbers.open(ACCOUNT, sealed)).isEqualTo("000123456789");
        assertThatThrownBy(() -> numbers.openMicroDeposits(ACCOUNT, sealed)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> numbers.open(UUID.randomUUID(), sealed)).isInstanceOf(IllegalStateException.class);
    }
}
