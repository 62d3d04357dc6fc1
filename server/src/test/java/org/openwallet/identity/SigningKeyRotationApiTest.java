package org.openwallet.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.openwallet.Api;
import org.openwallet.WalletIntegrationTest;
import org.openwallet.platform.config.WalletProperties;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Rotating the token signing key logs nobody out: new tokens carry the new key id, tokens of the
 * old key keep working until they expire, and a running node picks up a key set rotated by
 * the operator command ({@code ./wallet tokens rotate}, another process) without a restart.
 */
class SigningKeyRotationApiTest extends WalletIntegrationTest {
    private static final String BALANCE = "/v1/accounts/me/balance";
    private static final Duration PICK_UP_BOUND = Duration.ofSeconds(5);
    private static final long COMMAND_TIMEOUT_SECONDS = 120;

    @Autowired
    WalletProperties properties;

    @Autowired
    TokenProperties tokens;

    private static String keyId(String token) throws Exception {
        return SignedJWT.parse(token).getHeader().getKeyID();
    }

    /** A token like the server's for {@code user}'s session, signed by {@code key}. */
    private static String sign(ECKey key, Api.User user) throws Exception {
        JWTClaimsSet claims = new JWTClaimsSet.Builder(
                        SignedJWT.parse(user.token()).getJWTClaimsSet())
                .expirationTime(Date.from(Instant.now().plus(Duration.ofMinutes(10))))
                .jwtID(UUID.randomUUID().toString())
                .build();
        SignedJWT jwt = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.getKeyID()).build(), claims);
        jwt.sign(new ECDSASigner(key));
        return jwt.serialize();
    }

    /**
     * {@code ./wallet tokens rotate}: {@code WalletApplication tokens rotate} in a JVM of its own on this
     * wallet's data directory, beside the running wallet; returns what it printed.
     */
    private String rotateAsAnOperatorWould() throws Exception {
        Path output = Files.createTempFile(Path.of("target").toAbsolutePath(), "tokens-rotate-", ".out");
        ProcessBuilder builder = new ProcessBuilder(List.of(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        "org.openwallet.WalletApplication",
                        "tokens",
                        "rotate"))
                .redirectErrorStream(true)
                .redirectOutput(output.toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("WALLET_"));
        builder.environment()
                .put("WALLET_DATA_DIR", properties.dataDir().toAbsolutePath().toString());
        Process process = builder.start();
        if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("tokens rotate did not finish within " + COMMAND_TIMEOUT_SECONDS + " s");
        }
        String printed = Files.readString(output, StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as(printed).isZero();
        return printed;
    }

    @Test
    void rotation_newTokensCarryTheNewKeyId_oldTokensStillWork_andAnUnknownKeyIdIsRefused() throws Exception {
        Api.User before = api.newUser();
        String oldKeyId = keyId(before.token());
        Path keySetFile = tokens.keySetFileIn(properties.dataDir());

        String output = rotateAsAnOperatorWould();

        List<ECKey> keys = SigningKeys.read(keySetFile);
        ECKey added = keys.getLast();
        String newKeyId = added.getKeyID();
        assertThat(newKeyId).isNotEqualTo(oldKeyId);
        assertThat(keys).extracting(ECKey::getKeyID).contains(oldKeyId);
        assertThat(output).contains("tokens: added key " + newKeyId);

        // A token another node already signed with the new key works here too: the unknown key id makes this node
        // re-read the set.
        String signedByAnotherNode = sign(added, before);
        await("a token of the new key is accepted")
                .atMost(PICK_UP_BOUND)
                .until(() -> api.get(BALANCE, signedByAnotherNode).status() == 200);
        await("new tokens carry the new key id").atMost(PICK_UP_BOUND).until(() -> {
            try {
                return keyId(api.login(before.handle(), Api.PASSWORD)).equals(newKeyId);
            } catch (Exception exception) {
                throw new IllegalStateException(exception);
            }
        });
        Api.User after = api.newUser();
        assertThat(keyId(after.token())).isEqualTo(newKeyId);
        assertThat(api.get(BALANCE, after.token()).status()).isEqualTo(200);

        assertThat(api.get(BALANCE, before.token()).status())
                .as("a token of the old key, still unexpired")
                .isEqualTo(200);
        ECKey unknown = new ECKeyGenerator(Curve.P_256)
                .keyID("unknown-" + UUID.randomUUID())
                .generate();
        assertThat(api.get(BALANCE, sign(unknown, before)).status()).isEqualTo(401);
        // A foreign key claiming the new key's id does not pass either.
        ECKey impostor = new ECKeyGenerator(Curve.P_256).keyID(newKeyId).generate();
        assertThat(api.get(BALANCE, sign(impostor, before)).status()).isEqualTo(401);
    }
}
