package org.openwallet.devstack;

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
 * The embedded servers' passwords and the bank simulator's webhook secret, in owner-only files
 * created on first use. The same file format as the server's {@code platform.SecretKeys} (base64
 * secrets, lower-case hex passwords): the server reads the webhook secret this class may create.
 * A second copy on purpose, not a dependency: this module never depends on the server.
 */
final class SecretFiles {
    private SecretFiles() {}

    /** The base64 secret in {@code file}, first creating one of {@code length} random bytes. */
    static void ensureSecret(Path file, int length) {
        try {
            if (!Files.exists(file)) {
                byte[] secret = new byte[length];
                new SecureRandom().nextBytes(secret);
                create(file, Base64.getEncoder().encodeToString(secret));
            }
        } catch (IOException failure) {
            throw new UncheckedIOException("Cannot create the secret " + file, failure);
        }
    }

    /**
     * The password in {@code file}, first creating one of {@code length} random bytes in hex. Hex, not
     * base64: a password goes into URLs ({@code redis://:password@host}), SQL literals and server
     * configuration files, where {@code /}, {@code +} or {@code =} would need escaping.
     */
    static String loadOrCreatePassword(Path file, int length) {
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
            // Atomic and never over an existing file: of two processes creating it together, one wins and both read its
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
