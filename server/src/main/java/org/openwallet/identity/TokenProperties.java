package org.openwallet.identity;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.context.annotation.Configuration;

/**
 * Access tokens ({@code wallet.tokens.*}) (signed JWTs, ES256). The signing keys are a JWK set in {@code keySetFile}
 * (default {@code dataDir/keys/token-signing-keys.jwks}), shared by every API node and re-read
 * every {@code keySetRefreshInterval} and whenever a token names a key id it does not know.
 * {@code keyFile} is the single key of earlier versions: on first start it becomes the set's
 * first key, with its key id, so tokens it signed stay valid.
 */
@ConfigurationProperties("wallet.tokens")
record TokenProperties(
        Path keyFile,
        Path keySetFile,
        @DefaultValue("15m") Duration ttl,
        @DefaultValue("openwallet") String issuer,
        @DefaultValue("1m") Duration keySetRefreshInterval) {
    /** Where the signing keys live. */
    public Path keySetFileIn(Path dataDir) {
        return keySetFile != null ? keySetFile : dataDir.resolve("keys").resolve("token-signing-keys.jwks");
    }

    /** Where the single key of earlier versions lived. */
    public Path legacyKeyFileIn(Path dataDir) {
        return keyFile != null ? keyFile : dataDir.resolve("keys").resolve("token-signing-key.jwk");
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(TokenProperties.class)
    static class Enable {}
}
