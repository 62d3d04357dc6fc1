package org.openwallet.platform.crypto;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Symmetric secrets kept in files: base64 of random bytes, created with owner-only permissions on
 * first use (embedded mode). Several nodes share one secret by pointing at the same file.
 */
public final class SecretKeys {
    private SecretKeys() {}

    /** The secret in {@code file}, first creating it with {@code length} random bytes if it does not exist. */
    public static byte[] loadOrCreate(Path file, int length) {
        try {
            if (!Files.exists(file)) {
                create(file, length);
            }
            byte[] secret = Base64.getDecoder()
                    .decode(Files.readString(file, StandardCharsets.US_ASCII).strip());
            if (secret.length < length) {
                throw new IllegalStateException(
                        "Secret " + file + " has " + secret.length + " bytes; it needs at least " + length);
            }
            return secret;
        } catch (IOException failure) {
            throw new UncheckedIOException("Cannot read or create the secret " + file, failure);
        } catch (IllegalArgumentException notBase64) {
            throw new IllegalStateException("Secret " + file + " is not base64", notBase64);
        }
    }

    /**
     * The password in {@code file}, first creating one of {@code length} random bytes in hex if it
     * does not exist. Hex, not base64: a password goes into URLs ({@code redis://:password@host}),
     * SQL literals, server configuration files and {@code .pgpass} lines, where {@code /}, {@code +}
     * or {@code =} would need escaping.
     */
    public static String loadOrCreatePassword(Path file, int length) {
        try {
            if (!Files.exists(file)) {
                byte[] secret = new byte[length];
                new SecureRandom().nextBytes(secret);
                create(file, HexFormat.of().formatHex(secret));
            }
            String password = Files.readString(file, StandardCharsets.US_ASCII).strip();
            if (!password.matches("[0-9a-f]{" + 2 * length + ",}")) {
                throw new IllegalStateException(
                        "Password " + file + " is not " + length + " or more bytes in lower-case hex");
            }
            return password;
        } catch (IOException failure) {
            throw new UncheckedIOException("Cannot read or create the password " + file, failure);
        }
    }

    private static void create(Path file, int length) throws IOException {
        byte[] secret = new byte[length];
        new SecureRandom().nextBytes(secret);
        create(file, Base64.getEncoder().encodeToString(secret));
    }

    private static void create(Path file, String text) throws IOException {
        Path directory = file.toAbsolutePath().getParent();
        Files.createDirectories(directory);
        Path temporary = Files.createTempFile(
                directory,
                ".secret",
                ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(temporary, text, StandardCharsets.US_ASCII);
        try {
            // Atomic and never over an existing file: of two nodes creating it together, one wins and both read its
            // secret.
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException raced) {
            Files.deleteIfExists(temporary);
            if (!Files.exists(file)) {
                throw raced;
            }
        }
    }
}
