package org.openwallet.identity;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.openwallet.Api;
import org.openwallet.LedgerTestSupport;
import org.openwallet.WalletIntegrationTest;
import org.openwallet.platform.config.WalletProperties;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Bearer tokens: every {@code /v1} endpoint except sign-up and login refuses a request whose token
 * is missing, expired, tampered with, signed by someone else or otherwise not one the server issued.
 */
class TokenApiTest extends WalletIntegrationTest {
    private static final String BALANCE = "/v1/accounts/me/balance";
    private static final HttpClient CLIENT =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Autowired
    WalletProperties properties;

    @Autowired
    TokenProperties tokens;

    @LocalServerPort
    int serverPort;

    // --- helpers ---

    private static void assertUnauthorized(Api.Response response) {
        assertThat(response.status()).as(response.body()).isEqualTo(401);
        assertThat(response.header("WWW-Authenticate")).isEqualTo("Bearer");
        assertThat(response.header("Content-Type")).startsWith("application/problem+json");
        assertThat(response.code()).isEqualTo("unauthorized");
        assertThat(response.body()).doesNotContain("available");
    }

    /** The server's own newest signing key, as it keeps it (embedded mode: in the data directory's key set). */
    private ECKey serverKey() throws Exception {
        return SigningKeys.read(tokens.keySetFileIn(properties.dataDir())).getLast();
    }

    /** Claims like the server's own for {@code user}: issuer, subject, handle, the session of their login, 10 minutes to live. */
    private static JWTClaimsSet.Builder claimsFor(Api.User user) throws Exception {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder()
                .issuer("openwallet")
                .subject(user.id().toString())
                .claim("handle", user.handle())
                .claim("sid", SignedJWT.parse(user.token()).getJWTClaimsSet().getStringClaim("sid"))
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(Duration.ofMinutes(10))))
                .jwtID(UUID.randomUUID().toString());
    }

    private static String signEs256(ECKey key, JWTClaimsSet claims) throws Exception {
        SignedJWT jwt = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.getKeyID()).build(), claims);
        jwt.sign(new ECDSASigner(key));
        return jwt.serialize();
    }

    private Api.Response getWithAuthorization(String path, String authorization) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + serverPort + path))
                .timeout(Duration.ofSeconds(30))
                .GET();
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        try {
            HttpResponse<String> response = CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Api.Response(response.statusCode(), response);
        } catch (IOException | InterruptedException exception) {
            throw new IllegalStateException(exception);
        }
    }

    private static String replaceChar(String text, int index) {
        char replacement = text.charAt(index) == 'A' ? 'B' : 'A';
        return text.substring(0, index) + replacement + text.substring(index + 1);
    }

    // --- control: the forging machinery itself produces tokens the server accepts ---

    @Test
    void tokenSignedWithTheServerKey_withTheServersClaims_isAccepted() throws Exception {
        // Proves the tests below fail for the reason they name, not because the tokens are built wrong.
        Api.User user = api.newUser();

        Api.Response response =
                api.get(BALANCE, signEs256(serverKey(), claimsFor(user).build()));

        assertThat(response.status()).as(response.body()).isEqualTo(200);
    }

    @Test
    void issuedToken_isAccepted_andSchemeNameIsCaseInsensitive() {
        Api.User user = api.newUser();

        assertThat(api.get(BALANCE, user.token()).status()).isEqualTo(200);
        assertThat(getWithAuthorization(BALANCE, "bearer " + user.token()).status())
                .isEqualTo(200);
    }

    // --- refused tokens ---

    @Test
    void request_withoutAuthorizationHeader_isUnauthorized() {
        assertUnauthorized(api.get(BALANCE, null));
        assertUnauthorized(api.get("/v1/transfers", null));
        assertUnauthorized(api.get("/v1/transfers/" + UUID.randomUUID(), null));
    }

    @Test
    void request_withGarbageBearerToken_isUnauthorized() {
        assertUnauthorized(api.get(BALANCE, "garbage"));
        assertUnauthorized(api.get(BALANCE, "a.b.c"));
    }

    @Test
    void request_withEmptyBearerToken_isUnauthorized() {
        assertUnauthorized(getWithAuthorization(BALANCE, "Bearer "));
        assertUnauthorized(getWithAuthorization(BALANCE, "Bearer"));
    }

    @Test
    void request_withAnotherAuthorizationScheme_isUnauthorized() {
        Api.User user = api.newUser();
        assertUnauthorized(getWithAuthorization(
                BALANCE,
                "Basic "
                        + java.util.Base64.getEncoder()
                                .encodeToString(
                                        (user.handle() + ":" + Api.PASSWORD).getBytes(StandardCharsets.UTF_8))));
        // The raw token without the scheme is not a bearer token either.
        assertUnauthorized(getWithAuthorization(BALANCE, user.token()));
    }

    @Test
    void request_withTokenWhosePayloadHadOneCharacterFlipped_isUnauthorized() {
        Api.User user = api.newUser();
        String[] parts = user.token().split("\\.");

        String tampered = parts[0] + "." + replaceChar(parts[1], parts[1].length() / 2) + "." + parts[2];

        assertThat(tampered).isNotEqualTo(user.token());
        assertUnauthorized(api.get(BALANCE, tampered));
    }

    @Test
    void request_withTokenWhoseSubjectWasSwappedForAnotherUser_isUnauthorized() throws Exception {
        Api.User attacker = api.newUser();
        Api.User victim = api.newUser();
        SignedJWT original = SignedJWT.parse(attacker.token());
        String payload = new JWTClaimsSet.Builder(original.getJWTClaimsSet())
                .subject(victim.id().toString())
                .claim("handle", victim.handle())
                .build()
                .toString();
        String[] parts = attacker.token().split("\\.");

        String forged = parts[0] + "." + Base64URL.encode(payload) + "." + parts[2];

        assertUnauthorized(api.get(BALANCE, forged));
    }

    @Test
    void request_withTokenWhoseSignatureHadOneCharacterFlipped_isUnauthorized() {
        Api.User user = api.newUser();
        String[] parts = user.token().split("\\.");

        String tampered = parts[0] + "." + parts[1] + "." + replaceChar(parts[2], parts[2].length() / 2);

        assertUnauthorized(api.get(BALANCE, tampered));
    }

    @Test
    void request_withTokenWithoutSignature_isUnauthorized() {
        Api.User user = api.newUser();
        String[] parts = user.token().split("\\.");

        assertUnauthorized(api.get(BALANCE, parts[0] + "." + parts[1] + "."));
    }

    @Test
    void request_withTokenSignedByAnotherEs256Key_isUnauthorized() throws Exception {
        Api.User user = api.newUser();
        ECKey foreignKey = new ECKeyGenerator(Curve.P_256).generate();

        assertUnauthorized(
                api.get(BALANCE, signEs256(foreignKey, claimsFor(user).build())));
    }

    @Test
    void request_withTokenSignedByAnotherKeyClaimingTheServersKeyId_isUnauthorized() throws Exception {
        Api.User user = api.newUser();
        ECKey foreignKey =
                new ECKeyGenerator(Curve.P_256).keyID(serverKey().getKeyID()).generate();

        assertUnauthorized(
                api.get(BALANCE, signEs256(foreignKey, claimsFor(user).build())));
    }

    @Test
    void request_withExpiredTokenSignedByTheServerKey_isUnauthorized() throws Exception {
        Api.User user = api.newUser();
        Instant now = Instant.now();
        JWTClaimsSet expired = claimsFor(user)
                .issueTime(Date.from(now.minus(Duration.ofMinutes(20))))
                .expirationTime(Date.from(now.minus(Duration.ofMinutes(5))))
                .build();

        assertUnauthorized(api.get(BALANCE, signEs256(serverKey(), expired)));
    }

    @Test
    void tokenAcceptedWhileValid_isRefusedOnceItExpires_thoughTheServerRemembersVerifiedTokens() throws Exception {
        Api.User user = api.newUser();
        // JWT expiry has whole-second precision: at least two seconds ahead, whatever the current millisecond.
        Instant expires = Instant.now().plusSeconds(3).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        String shortLived = signEs256(
                serverKey(), claimsFor(user).expirationTime(Date.from(expires)).build());

        assertThat(api.get(BALANCE, shortLived).status()).isEqualTo(200);
        assertThat(api.get(BALANCE, shortLived).status()).as("remembered").isEqualTo(200);
        Thread.sleep(Math.max(0, Duration.between(Instant.now(), expires).toMillis()) + 100);

        assertUnauthorized(api.get(BALANCE, shortLived));
    }

    @Test
    void request_withTokenWithoutExpirySignedByTheServerKey_isUnauthorized() throws Exception {
        Api.User user = api.newUser();
        JWTClaimsSet neverExpires = claimsFor(user).expirationTime(null).build();

        assertUnauthorized(api.get(BALANCE, signEs256(serverKey(), neverExpires)));
    }

    @Test
    void request_withTokenWithoutSessionSignedByTheServerKey_isUnauthorized() throws Exception {
        // A token naming no session could not be ended before it expires.
        Api.User user = api.newUser();

        assertUnauthorized(api.get(
                BALANCE,
                signEs256(serverKey(), claimsFor(user).claim("sid", null).build())));
        assertUnauthorized(api.get(
                BALANCE,
                signEs256(
                        serverKey(),
                        claimsFor(user).claim("sid", "not-a-session").build())));
    }

    @Test
    void request_withTokenOfAnotherIssuerSignedByTheServerKey_isUnauthorized() throws Exception {
        Api.User user = api.newUser();

        assertUnauthorized(api.get(
                BALANCE,
                signEs256(serverKey(), claimsFor(user).issuer("someone-else").build())));
        assertUnauthorized(api.get(
                BALANCE, signEs256(serverKey(), claimsFor(user).issuer(null).build())));
    }

    @Test
    void request_withUnsecuredAlgNoneToken_isUnauthorized() throws Exception {
        Api.User user = api.newUser();
        String unsecured = new PlainJWT(claimsFor(user).build()).serialize();
        assertThat(unsecured).endsWith(".");

        assertUnauthorized(api.get(BALANCE, unsecured));
    }

    @Test
    void request_withAlgNoneHeaderOnAnIssuedTokensPayload_isUnauthorized() {
        Api.User user = api.newUser();
        String[] parts = user.token().split("\\.");
        String noneHeader = Base64URL.encode("{\"alg\":\"none\"}").toString();

        assertUnauthorized(api.get(BALANCE, noneHeader + "." + parts[1] + "."));
        assertUnauthorized(api.get(BALANCE, noneHeader + "." + parts[1] + "." + parts[2]));
    }

    @Test
    void request_withHmacTokenKeyedWithTheServersPublicKey_isUnauthorized() throws Exception {
        // The classic algorithm-confusion attack: HS256 with the public key as the shared secret.
        Api.User user = api.newUser();
        byte[] publicKeyAsSecret = serverKey().toPublicJWK().toJSONString().getBytes(StandardCharsets.UTF_8);
        SignedJWT jwt =
                new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claimsFor(user).build());
        jwt.sign(new MACSigner(publicKeyAsSecret));

        assertUnauthorized(api.get(BALANCE, jwt.serialize()));
    }

    @Test
    void request_withOversizedToken_isUnauthorized() {
        assertUnauthorized(api.get(BALANCE, "a".repeat(5000)));
    }

    @Test
    void unknownV1Path_withoutToken_isUnauthorizedNotNotFound() {
        assertUnauthorized(api.get("/v1/no-such-thing", null));
        assertUnauthorized(api.get("/v1", null));
        assertUnauthorized(api.get("/v1/accounts/" + UUID.randomUUID() + "/balance", null));
    }

    @Test
    void unknownV1Path_withBadToken_isUnauthorizedNotNotFound() {
        assertUnauthorized(api.get("/v1/no-such-thing", "garbage"));
    }

    @Test
    void transfer_withoutToken_isUnauthorizedAndMovesNoMoney() {
        Api.User sender = api.newUser();
        Api.User recipient = api.newUser();
        LedgerTestSupport.fund(transactions, ledger, sender.id(), 10_000);

        Api.Response response = api.post(
                "/v1/transfers",
                null,
                UUID.randomUUID().toString(),
                Map.of("to_handle", recipient.handle(), "amount", "10.00", "currency", "USD"));

        assertUnauthorized(response);
        assertThat(api.available(sender)).isEqualTo("100.00");
        assertThat(api.available(recipient)).isEqualTo("0.00");
    }

    @Test
    void transfer_withForeignSignedTokenNamingTheSender_isUnauthorizedAndMovesNoMoney() throws Exception {
        Api.User sender = api.newUser();
        Api.User thief = api.newUser();
        LedgerTestSupport.fund(transactions, ledger, sender.id(), 10_000);
        String forged = signEs256(
                new ECKeyGenerator(Curve.P_256).generate(), claimsFor(sender).build());

        Api.Response response = api.post(
                "/v1/transfers",
                forged,
                UUID.randomUUID().toString(),
                Map.of("to_handle", thief.handle(), "amount", "100.00", "currency", "USD"));

        assertUnauthorized(response);
        assertThat(api.available(sender)).isEqualTo("100.00");
        assertThat(api.available(thief)).isEqualTo("0.00");
    }

    @Test
    void signUpAndLogin_needNoToken() {
        String handle = "tok_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        Api.Response signUp =
                api.post("/v1/auth/signup", null, null, Map.of("handle", handle, "password", Api.PASSWORD));
        assertThat(signUp.status()).as(signUp.body()).isEqualTo(201);

        // A bad token on a public endpoint does not get in the way either.
        Api.Response login =
                api.post("/v1/auth/login", "garbage", null, Map.of("handle", handle, "password", Api.PASSWORD));
        assertThat(login.status()).as(login.body()).isEqualTo(200);
    }
}
