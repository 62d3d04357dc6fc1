package org.openwallet.identity;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.openwallet.platform.WalletProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

/**
 * Issues and verifies access tokens: JWTs signed with ES256 (ECDSA P-256). The signing key is a
 * JWK file; when it does not exist (first start of an embedded install) a new key is generated and
 * written with owner-only permissions. Production points {@code wallet.tokens.key-file} at a
 * managed key shared by all API nodes.
 */
@Service
class TokenService {
    private static final Logger log = LoggerFactory.getLogger(TokenService.class);
    /** Tokens longer than this are refused before parsing. */
    static final int MAX_TOKEN_LENGTH = 4096;
    /** Verified tokens remembered; past this many the memory is emptied and refilled. */
    static final int MAX_REMEMBERED = 100_000;

    private final ECKey key;
    private final ECDSASigner signer;
    private final ECDSAVerifier verifier;
    private final Duration ttl;
    private final String issuer;
    private final Clock clock;
    /**
     * Tokens that passed verification, with what they say. An ECDSA verification costs about a
     * third of the CPU of a whole payment, and a client sends the same token with every request
     * until it expires; a remembered token is still checked against the clock on every use.
     */
    private final Map<String, Verified> verified = new ConcurrentHashMap<>();

    private record Verified(AuthenticatedUser user, Instant expires) {
    }

    TokenService(WalletProperties properties, Clock clock) throws IOException, JOSEException {
        Path keyFile = properties.tokens().keyFile() != null
                ? properties.tokens().keyFile()
                : properties.dataDir().resolve("keys").resolve("token-signing-key.jwk");
        this.key = loadOrCreate(keyFile);
        this.signer = new ECDSASigner(key);
        this.verifier = new ECDSAVerifier(key.toPublicJWK());
        this.ttl = properties.tokens().ttl();
        this.issuer = properties.tokens().issuer();
        this.clock = clock;
    }

    record IssuedToken(String value, long expiresInSeconds) {
    }

    IssuedToken issue(UUID userId, String handle) {
        Instant now = clock.instant();
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(issuer)
                .subject(userId.toString())
                .claim("handle", handle)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(ttl)))
                .jwtID(UUID.randomUUID().toString())
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.getKeyID()).build(), claims);
        try {
            jwt.sign(signer);
        } catch (JOSEException exception) {
            throw new IllegalStateException("Cannot sign a token", exception);
        }
        return new IssuedToken(jwt.serialize(), ttl.toSeconds());
    }

    /** The user a valid token names; empty for anything expired, tampered, foreign-signed or malformed. */
    Optional<AuthenticatedUser> verify(String token) {
        if (token.length() > MAX_TOKEN_LENGTH) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        Verified known = verified.get(token);
        if (known == null) {
            known = verifySignature(token);
            if (known == null) {
                return Optional.empty();
            }
            if (verified.size() >= MAX_REMEMBERED) {
                verified.clear();
            }
            verified.put(token, known);
        }
        if (!known.expires().isAfter(now)) {
            verified.remove(token);
            return Optional.empty();
        }
        return Optional.of(known.user());
    }

    /** What a correctly signed token of ours says; null for anything else. Expiry is the caller's to check. */
    private Verified verifySignature(String token) {
        try {
            SignedJWT jwt = SignedJWT.parse(token);
            // Only our algorithm: never let the token choose (no "none", no HMAC with the public key).
            if (!JWSAlgorithm.ES256.equals(jwt.getHeader().getAlgorithm()) || !jwt.verify(verifier)) {
                return null;
            }
            JWTClaimsSet claims = jwt.getJWTClaimsSet();
            Date expires = claims.getExpirationTime();
            if (expires == null || !issuer.equals(claims.getIssuer())) {
                return null;
            }
            return new Verified(new AuthenticatedUser(UUID.fromString(claims.getSubject()), claims.getStringClaim("handle")), expires.toInstant());
        } catch (ParseException | JOSEException | IllegalArgumentException | NullPointerException exception) {
            return null;
        }
    }

    private static ECKey loadOrCreate(Path keyFile) throws IOException, JOSEException {
        if (Files.exists(keyFile)) {
            try {
                return ECKey.parse(Files.readString(keyFile));
            } catch (ParseException exception) {
                throw new IOException("Token signing key " + keyFile + " is not an EC JWK", exception);
            }
        }
        ECKey generated = new ECKeyGenerator(Curve.P_256).keyIDFromThumbprint(true).generate();
        Files.createDirectories(keyFile.toAbsolutePath().getParent());
        Path temporary = Files.createTempFile(keyFile.toAbsolutePath().getParent(), ".token-key", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(temporary, generated.toJSONString(), StandardCharsets.UTF_8);
        // Atomic, so two nodes starting together on one data directory cannot both win.
        try {
            Files.move(temporary, keyFile, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException raced) {
            Files.deleteIfExists(temporary);
            throw raced;
        }
        log.info("Generated a new token signing key in {}", keyFile);
        return generated;
    }
}
