package org.openwallet.platform.crypto;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.function.Consumer;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-GCM under one key: the wallet's only cipher set-up, sealing values at rest (bank account
 * numbers, micro-deposit amounts). A sealed value is {@code nonce (12 bytes) || ciphertext || tag
 * (16 bytes)} with a fresh random nonce each time, so sealing the same value twice gives different
 * bytes: nothing may look a sealed value up by equality (a {@link Signer} tag of the plain value does
 * that). The context (ASCII) is the associated data: a sealed value opens only under the context it
 * was sealed for, so one copied to another row or column is refused.
 */
public final class Sealer {
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final String TRANSFORMATION = "AES/GCM/NoPadding";

    private final SecretKeySpec key;
    private final Consumer<byte[]> nonces;

    /** Seals under the AES key {@code key} (16, 24 or 32 bytes) with nonces from a {@link SecureRandom}. */
    public Sealer(byte[] key) {
        this(key, new SecureRandom()::nextBytes);
    }

    /** With the nonces {@code nonces} fills in; a fixed one only for known-answer tests, GCM must never repeat a nonce. */
    Sealer(byte[] key, Consumer<byte[]> nonces) {
        if (key.length != 16 && key.length != 24 && key.length != 32) {
            throw new IllegalArgumentException("an AES key has 16, 24 or 32 bytes, not " + key.length);
        }
        this.key = new SecretKeySpec(key, "AES");
        this.nonces = nonces;
    }

    public byte[] seal(String context, byte[] plain) {
        try {
            byte[] nonce = new byte[NONCE_BYTES];
            nonces.accept(nonce);
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(context.getBytes(StandardCharsets.US_ASCII));
            byte[] sealed = cipher.doFinal(plain);
            return ByteBuffer.allocate(NONCE_BYTES + sealed.length)
                    .put(nonce)
                    .put(sealed)
                    .array();
        } catch (GeneralSecurityException impossible) {
            throw new IllegalStateException("AES-GCM is unavailable", impossible);
        }
    }

    /** @throws IllegalStateException when {@code sealed} was not sealed for {@code context} under this key, or was altered */
    public byte[] open(String context, byte[] sealed) {
        try {
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed, 0, NONCE_BYTES));
            cipher.updateAAD(context.getBytes(StandardCharsets.US_ASCII));
            return cipher.doFinal(sealed, NONCE_BYTES, sealed.length - NONCE_BYTES);
        } catch (GeneralSecurityException tampered) {
            throw new IllegalStateException("sealed value of " + context + " does not open with this key", tampered);
        }
    }
}
