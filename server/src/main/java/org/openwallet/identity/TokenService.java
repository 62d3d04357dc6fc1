package org.openwallet.identity;

import com.github.benmanes.caffeine.cache.Ticker;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Optional;
import java.util.UUID;
import org.springframework.stereotype.Service;

/**
 * Issues and verifies access tokens: JWTs signed with ES256 (ECDSA P-256) by one of the
 * {@link SigningKeys}, named in the token's {@code kid} header. Every token names its session
 * ({@code sid}); a token whose session has ended is refused, as {@link SessionRevocations} knows it,
 * without a database query per request.
 */
@Service
class TokenService {
    /** Tokens longer than this are refused before parsing. */
    static final int MAX_TOKEN_LENGTH = 4096;
    /** Verified tokens remembered at most; past this many the least useful are forgotten first. */
    static final int MAX_REMEMBERED = 100_000;

    static final String SESSION_CLAIM = "sid";

    private final SigningKeys keys;
    private final SessionRevocations revocations;
    private final Duration ttl;
    private final String issuer;
    private final Clock clock;
    /** A remembered token is still checked against the clock and its session's revocation on every use. */
    private final VerifiedTokens verified;

    TokenService(TokenProperties tokens, SigningKeys keys, SessionRevocations revocations, Clock clock) {
        this.keys = keys;
        this.revocations = revocations;
        this.ttl = tokens.ttl();
        this.issuer = tokens.issuer();
        this.clock = clock;
        this.verified = new VerifiedTokens(MAX_REMEMBERED, clock, Ticker.systemTicker());
    }

    record IssuedToken(String value, long expiresInSeconds) {}

    IssuedToken issue(UUID userId, String handle, UUID sessionId) {
        Instant now = clock.instant();
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(issuer)
                .subject(userId.toString())
                .claim("handle", handle)
                .claim(SESSION_CLAIM, sessionId.toString())
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(ttl)))
                .jwtID(UUID.randomUUID().toString())
                .build();
        ECKey key = keys.signingKey();
        SignedJWT jwt = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.getKeyID()).build(), claims);
        try {
            jwt.sign(keys.signer());
        } catch (JOSEException exception) {
            throw new IllegalStateException("Cannot sign a token", exception);
        }
        return new IssuedToken(jwt.serialize(), ttl.toSeconds());
    }

    /**
     * The user a valid token names; empty for anything expired, tampered, foreign-signed, malformed,
     * signed by a key no longer in the set, or of an ended session.
     */
    Optional<AuthenticatedUser> verify(String token) {
        if (token.length() > MAX_TOKEN_LENGTH) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        VerifiedTokens.Verified known = verified.get(token);
        if (known == null) {
            known = verifySignature(token);
            if (known == null) {
                return Optional.empty();
            }
            verified.remember(token, known);
        }
        if (!known.expires().isAfter(now)) {
            verified.forget(token);
            return Optional.empty();
        }
        // Still remembered when revoked: a client retrying a revoked token costs a map lookup, not an ECDSA
        // verification.
        if (revocations.isRevoked(known.user().sessionId())) {
            return Optional.empty();
        }
        return Optional.of(known.user());
    }

    /** Whether this node knows recently enough which sessions ended to honour any token at all. */
    boolean revocationsCurrent() {
        return revocations.current();
    }

    /** What a correctly signed token of ours says; null for anything else. Expiry is the caller's to check. */
    private VerifiedTokens.Verified verifySignature(String token) {
        try {
            SignedJWT jwt = SignedJWT.parse(token);
            // Only our algorithm: never let the token choose (no "none", no HMAC with the public key).
            if (!JWSAlgorithm.ES256.equals(jwt.getHeader().getAlgorithm())) {
                return null;
            }
            Optional<ECDSAVerifier> verifier = keys.verifier(jwt.getHeader().getKeyID());
            if (verifier.isEmpty() || !jwt.verify(verifier.get())) {
                return null;
            }
            JWTClaimsSet claims = jwt.getJWTClaimsSet();
            Date expires = claims.getExpirationTime();
            if (expires == null || !issuer.equals(claims.getIssuer())) {
                return null;
            }
            // A token without a session could never be ended before its expiry: refused.
            UUID sessionId = UUID.fromString(claims.getStringClaim(SESSION_CLAIM));
            return new VerifiedTokens.Verified(
                    new AuthenticatedUser(
                            UUID.fromString(claims.getSubject()), claims.getStringClaim("handle"), sessionId),
                    expires.toInstant());
        } catch (ParseException | JOSEException | IllegalArgumentException | NullPointerException exception) {
            return null;
        }
    }
}
