package org.openwallet.identity;

import org.openwallet.platform.WalletProperties;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.security.crypto.argon2.Argon2PasswordEncoder;
import org.springframework.stereotype.Component;

/**
 * Argon2id password hashes, by default with Spring Security's parameters (16 MiB, 2 passes; see
 * {@link WalletProperties.Passwords}). Hashing is deliberately slow; it runs before any database
 * transaction is opened. A hash names its own parameters, so checking follows whatever it was made with.
 */
@Component
class PasswordHasher {
    private static final int SALT_BYTES = 16;
    private static final int HASH_BYTES = 32;

    private final Argon2PasswordEncoder encoder;
    /** Compared against when a handle is unknown, so that case takes as long as a wrong password. */
    private final String decoyHash;

    @Autowired
    PasswordHasher(WalletProperties properties) {
        this(properties.passwords());
    }

    PasswordHasher(WalletProperties.Passwords cost) {
        this.encoder = new Argon2PasswordEncoder(SALT_BYTES, HASH_BYTES, 1, cost.memoryKib(), cost.iterations());
        this.decoyHash = encoder.encode("decoy password that matches nothing");
    }

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
