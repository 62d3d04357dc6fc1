package org.openwallet.identity;

import org.springframework.security.crypto.argon2.Argon2PasswordEncoder;
import org.springframework.stereotype.Component;

/**
 * Argon2id password hashes (RFC 9106 parameters as chosen by Spring Security: 16 MiB, 2 passes).
 * Hashing is deliberately slow; it runs before any database transaction is opened.
 */
@Component
class PasswordHasher {
    private final Argon2PasswordEncoder encoder = Argon2PasswordEncoder.defaultsForSpringSecurity_v5_8();
    /** Compared against when a handle is unknown, so that case takes as long as a wrong password. */
    private final String decoyHash = encoder.encode("decoy password that matches nothing");

    String hash(String password) {
        return encoder.encode(password);
    }

    boolean matches(String password, String hash) {
        return encoder.matches(password, hash);
    }

    void spendTimeOfOneCheck(String password) {
        encoder.matches(password, decoyHash);
    }
}
