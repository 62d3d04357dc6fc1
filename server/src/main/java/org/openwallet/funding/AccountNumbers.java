package org.openwallet.funding;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.UUID;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.openwallet.platform.SecretKeys;
import org.openwallet.platform.WalletProperties;
import org.springframework.stereotype.Component;

/**
 * Seals bank account numbers at rest: AES-256-GCM with a random 96-bit nonce per account, the
 * account's id as associated data (a sealed number copied to another row does not open), and a key
 * kept outside the database ({@code wallet.funding.account-key-file}, by default generated in the
 * data directory). A keyed fingerprint (HMAC-SHA256 under a key derived from the same secret) lets
 * the same number be recognised without decrypting anything.
 */
@Component
class AccountNumbers {
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final SecretKeySpec encryptionKey;
    private final SecretKeySpec fingerprintKey;
    private final SecureRandom random = new SecureRandom();

    AccountNumbers(FundingProperties funding, WalletProperties wallet) {
        var file = funding.accountKeyFile() != null ? funding.accountKeyFile() : wallet.dataDir().resolve("keys").resolve("bank-account.key");
        byte[] secret = SecretKeys.loadOrCreate(file, 32);
        this.encryptionKey = new SecretKeySpec(Arrays.copyOf(secret, 32), "AES");
        this.fingerprintKey = new SecretKeySpec(hmac(new SecretKeySpec(secret, "HmacSHA256"), "fingerprint".getBytes(StandardCharsets.UTF_8)), "HmacSHA256");
    }

    byte[] seal(UUID accountId, String accountNumber) {
        return seal(accountId.toString(), accountNumber);
    }

    String open(UUID accountId, byte[] sealed) {
        return open(accountId.toString(), sealed);
    }

    /**
     * The micro-deposit amounts sent to an account, sealed like its number but bound to another
     * context, so one sealed value cannot be passed off as the other by swapping columns.
     */
    byte[] sealMicroDeposits(UUID accountId, String amounts) {
        return seal("micro-deposits:" + accountId, amounts);
    }

    String openMicroDeposits(UUID accountId, byte[] sealed) {
        return open("micro-deposits:" + accountId, sealed);
    }

    private byte[] seal(String context, String accountNumber) {
        try {
            byte[] nonce = new byte[NONCE_BYTES];
            random.nextBytes(nonce);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, encryptionKey, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(context.getBytes(StandardCharsets.US_ASCII));
            byte[] sealed = cipher.doFinal(accountNumber.getBytes(StandardCharsets.US_ASCII));
            return ByteBuffer.allocate(NONCE_BYTES + sealed.length).put(nonce).put(sealed).array();
        } catch (GeneralSecurityException impossible) {
            throw new IllegalStateException("AES-GCM is unavailable", impossible);
        }
    }

    private String open(String context, byte[] sealed) {
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, encryptionKey, new GCMParameterSpec(TAG_BITS, sealed, 0, NONCE_BYTES));
            cipher.updateAAD(context.getBytes(StandardCharsets.US_ASCII));
            return new String(cipher.doFinal(sealed, NONCE_BYTES, sealed.length - NONCE_BYTES), StandardCharsets.US_ASCII);
        } catch (GeneralSecurityException tampered) {
            throw new IllegalStateException("sealed value of " + context + " does not open with this key", tampered);
        }
    }

    byte[] fingerprint(String accountNumber) {
        return hmac(fingerprintKey, accountNumber.getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] hmac(SecretKeySpec key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac.doFinal(data);
        } catch (GeneralSecurityException impossible) {
            throw new IllegalStateException("HmacSHA256 is unavailable", impossible);
        }
    }
}
