package org.openwallet.platform.crypto;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HMAC-SHA256 under one key: the wallet's only MAC set-up, used for webhook signatures (sent and
 * received), feed cursors and account-number fingerprints. A tag is the MAC of the parts one after
 * the other, cut to {@code tagBytes} (16 to 32); {@link #verifies} compares in constant time, so a
 * tag cannot be guessed byte by byte. Thread-safe: each call takes its own {@link Mac}.
 */
public final class Signer {
    private static final String ALGORITHM = "HmacSHA256";
    private static final int FULL_TAG_BYTES = 32;
    /** Below 128 bits a tag could be forged by trying; nothing here truncates further. */
    private static final int MIN_TAG_BYTES = 16;

    private final SecretKeySpec key;
    private final int tagBytes;

    /** Full 32-byte tags under {@code key} (any non-empty bytes). */
    public Signer(byte[] key) {
        this(key, FULL_TAG_BYTES);
    }

    /** Tags of the MAC's first {@code tagBytes} bytes, 16 to 32. */
    public Signer(byte[] key, int tagBytes) {
        if (tagBytes < MIN_TAG_BYTES || tagBytes > FULL_TAG_BYTES) {
            throw new IllegalArgumentException(
                    "tagBytes must be " + MIN_TAG_BYTES + " to " + FULL_TAG_BYTES + ", not " + tagBytes);
        }
        this.key = new SecretKeySpec(key, ALGORITHM);
        this.tagBytes = tagBytes;
    }

    /** The tag of {@code parts}, concatenated in order. */
    public byte[] sign(byte[]... parts) {
        Mac mac;
        try {
            mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
        } catch (GeneralSecurityException impossible) {
            // Every Java runtime must provide HmacSHA256, and any non-empty key is valid for it.
            throw new IllegalStateException("HmacSHA256 is unavailable", impossible);
        }
        for (byte[] part : parts) {
            mac.update(part);
        }
        byte[] tag = mac.doFinal();
        return tagBytes == FULL_TAG_BYTES ? tag : Arrays.copyOf(tag, tagBytes);
    }

    /** Whether {@code tag} is the tag of {@code parts}; in constant time, and false for a tag of another length. */
    public boolean verifies(byte[] tag, byte[]... parts) {
        return MessageDigest.isEqual(sign(parts), tag);
    }
}
