package org.openwallet.funding;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.UUID;
import org.openwallet.platform.config.WalletProperties;
import org.openwallet.platform.crypto.Sealer;
import org.openwallet.platform.crypto.SecretKeys;
import org.openwallet.platform.crypto.Signer;
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
    private final Sealer sealer;
    private final Signer fingerprints;

    AccountNumbers(FundingProperties funding, WalletProperties wallet) {
        var file = funding.accountKeyFile() != null
                ? funding.accountKeyFile()
                : wallet.dataDir().resolve("keys").resolve("bank-account.key");
        byte[] secret = SecretKeys.loadOrCreate(file, 32);
        this.sealer = new Sealer(Arrays.copyOf(secret, 32));
        this.fingerprints = new Signer(new Signer(secret).sign("fingerprint".getBytes(StandardCharsets.UTF_8)));
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
        return sealer.seal(context, accountNumber.getBytes(StandardCharsets.US_ASCII));
    }

    private String open(String context, byte[] sealed) {
        return new String(sealer.open(context, sealed), StandardCharsets.US_ASCII);
    }

    byte[] fingerprint(String accountNumber) {
        return fingerprints.sign(accountNumber.getBytes(StandardCharsets.US_ASCII));
    }
}
