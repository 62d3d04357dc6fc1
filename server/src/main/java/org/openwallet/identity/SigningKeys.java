package org.openwallet.identity;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.openwallet.platform.config.WalletProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * The keys that sign access tokens: a JWK set in one file shared by every API node. New tokens
 * are signed with the newest key (the last in the file) and name it in their {@code kid} header;
 * a token signed by an older key still verifies as long as that key is in the set. Rotation
 * ({@code ./wallet tokens rotate}) appends a key, so nobody is logged out, and prunes keys that were
 * superseded so long ago that no token they signed can still be alive.
 *
 * <p>A running node re-reads the file every {@code wallet.tokens.key-set-refresh-interval}, and at
 * once (at most every {@link #MIN_RELOAD_INTERVAL}) when a token names a key id it does not know:
 * another node may already sign with a key this one has not seen yet.
 */
@Component
class SigningKeys implements DisposableBean {
    private static final Logger log = LoggerFactory.getLogger(SigningKeys.class);
    /** A token with an unknown key id re-reads the file at most this often, so a flood of them costs nothing. */
    static final Duration MIN_RELOAD_INTERVAL = Duration.ofSeconds(1);
    /** Beyond the token lifetime and the nodes' refresh interval, how long a superseded key is kept. */
    static final Duration PRUNE_MARGIN = Duration.ofHours(1);
    /** Keys a set may hold; rotation refuses to grow it further (prune first by waiting for old keys to age). */
    static final int MAX_KEYS = 20;
    /** Serializes writers inside one JVM; the file lock does so across processes. */
    private static final Object WRITE_LOCK = new Object();

    private final Path keySetFile;
    private final ScheduledExecutorService refresher;
    private final AtomicLong lastReloadNanos = new AtomicLong(System.nanoTime());
    private volatile Snapshot current;

    /** The keys as read: the one to sign with, and every key to verify with by its id. */
    private record Snapshot(ECKey signingKey, ECDSASigner signer, Map<String, ECDSAVerifier> verifiers) {
        static Snapshot of(List<ECKey> keys) {
            try {
                ECKey newest = keys.getLast();
                Map<String, ECDSAVerifier> verifiers = keys.stream()
                        .collect(Collectors.toUnmodifiableMap(
                                JWK::getKeyID,
                                key -> {
                                    try {
                                        return new ECDSAVerifier(key.toPublicJWK());
                                    } catch (JOSEException exception) {
                                        throw new IllegalStateException(
                                                "Token signing key " + key.getKeyID() + " cannot verify", exception);
                                    }
                                },
                                (first, second) -> first));
                return new Snapshot(newest, new ECDSASigner(newest), verifiers);
            } catch (JOSEException exception) {
                throw new IllegalStateException(
                        "Token signing key " + keys.getLast().getKeyID() + " cannot sign", exception);
            }
        }
    }

    SigningKeys(WalletProperties properties, TokenProperties tokens, Clock clock) {
        this.keySetFile = tokens.keySetFileIn(properties.dataDir());
        this.current = Snapshot.of(loadOrCreate(keySetFile, tokens.legacyKeyFileIn(properties.dataDir()), clock));
        long refreshMillis = tokens.keySetRefreshInterval().toMillis();
        this.refresher = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("token-key-refresher").factory());
        refresher.scheduleWithFixedDelay(this::reload, refreshMillis, refreshMillis, TimeUnit.MILLISECONDS);
    }

    /** The newest key, to sign new tokens with. */
    ECKey signingKey() {
        return current.signingKey();
    }

    ECDSASigner signer() {
        return current.signer();
    }

    /** The verifier for key {@code keyId}; re-reads the set once if the id is unknown (rate-bounded). */
    Optional<ECDSAVerifier> verifier(String keyId) {
        if (keyId == null) {
            return Optional.empty();
        }
        ECDSAVerifier verifier = current.verifiers().get(keyId);
        if (verifier == null && reloadAllowed()) {
            reload();
            verifier = current.verifiers().get(keyId);
        }
        return Optional.ofNullable(verifier);
    }

    private boolean reloadAllowed() {
        long last = lastReloadNanos.get();
        long now = System.nanoTime();
        return now - last >= MIN_RELOAD_INTERVAL.toNanos() && lastReloadNanos.compareAndSet(last, now);
    }

    private void reload() {
        lastReloadNanos.set(System.nanoTime());
        try {
            List<ECKey> keys = read(keySetFile);
            if (!keys.getLast().getKeyID().equals(current.signingKey().getKeyID())
                    || keys.size() != current.verifiers().size()) {
                current = Snapshot.of(keys);
                log.info(
                        "Token signing keys reloaded from {}: signing with {}, {} keys",
                        keySetFile,
                        keys.getLast().getKeyID(),
                        keys.size());
            }
        } catch (IOException | RuntimeException unreadable) {
            // Keep what we have: a half-edited or missing file must not stop every node from authenticating.
            log.warn(
                    "Cannot re-read the token signing keys in {}; keeping the {} keys already loaded: {}",
                    keySetFile,
                    current.verifiers().size(),
                    unreadable.toString());
        }
    }

    @Override
    public void destroy() {
        refresher.shutdownNow();
    }

    // --- the file, shared with the rotation command ---

    /** What a rotation did. */
    record Rotation(ECKey added, List<String> pruned, List<ECKey> keys) {}

    /** The keys in {@code keySetFile}, first creating it (from {@code legacyKeyFile} if that exists). */
    static List<ECKey> loadOrCreate(Path keySetFile, Path legacyKeyFile, Clock clock) {
        if (Files.exists(keySetFile)) {
            return readUnchecked(keySetFile);
        }
        return underLock(keySetFile, () -> {
            if (Files.exists(keySetFile)) {
                return read(keySetFile);
            }
            List<ECKey> keys =
                    List.of(Files.exists(legacyKeyFile) ? migrate(legacyKeyFile) : generate(clock.instant()));
            write(keySetFile, keys);
            log.info(
                    "Created the token signing key set {} with key {}{}",
                    keySetFile,
                    keys.getFirst().getKeyID(),
                    Files.exists(legacyKeyFile) ? " from " + legacyKeyFile : "");
            return keys;
        });
    }

    /**
     * Appends a new key (the one new tokens will be signed with) and drops every key whose successor
     * was added more than {@code retention} ago: no token it signed can still be unexpired.
     */
    static Rotation rotate(Path keySetFile, Path legacyKeyFile, Duration retention, Clock clock) {
        loadOrCreate(keySetFile, legacyKeyFile, clock);
        return underLock(keySetFile, () -> {
            Instant now = clock.instant();
            List<ECKey> before = read(keySetFile);
            List<ECKey> kept = new ArrayList<>();
            List<String> pruned = new ArrayList<>();
            for (int i = 0; i < before.size(); i++) {
                Date successorAdded = i + 1 < before.size() ? before.get(i + 1).getIssueTime() : null;
                if (successorAdded != null && successorAdded.toInstant().isBefore(now.minus(retention))) {
                    pruned.add(before.get(i).getKeyID());
                } else {
                    kept.add(before.get(i));
                }
            }
            if (kept.size() >= MAX_KEYS) {
                throw new IllegalStateException("The key set " + keySetFile + " already holds " + kept.size()
                        + " keys that may still verify live tokens; rotate again after " + retention + " has passed");
            }
            ECKey added = generate(now);
            kept.add(added);
            write(keySetFile, kept);
            return new Rotation(added, List.copyOf(pruned), List.copyOf(kept));
        });
    }

    /** Every key in the file, oldest first; fails on anything but private P-256 keys with ids. */
    static List<ECKey> read(Path keySetFile) throws IOException {
        JWKSet set;
        try {
            set = JWKSet.parse(Files.readString(keySetFile, StandardCharsets.UTF_8));
        } catch (ParseException exception) {
            throw new IOException("Token signing key set " + keySetFile + " is not a JWK set", exception);
        }
        List<ECKey> keys = new ArrayList<>();
        for (JWK key : set.getKeys()) {
            if (!(key instanceof ECKey ec)
                    || !Curve.P_256.equals(ec.getCurve())
                    || !ec.isPrivate()
                    || ec.getKeyID() == null) {
                throw new IOException("Token signing key set " + keySetFile
                        + " holds a key that is not a private P-256 key with a kid");
            }
            keys.add(ec);
        }
        if (keys.isEmpty()) {
            throw new IOException("Token signing key set " + keySetFile + " holds no key");
        }
        return keys;
    }

    private static List<ECKey> readUnchecked(Path keySetFile) {
        try {
            return read(keySetFile);
        } catch (IOException exception) {
            throw new UncheckedIOException(exception);
        }
    }

    /** The single key of earlier versions, keeping its key id so the tokens it signed stay valid. */
    private static ECKey migrate(Path legacyKeyFile) throws IOException {
        try {
            ECKey legacy = ECKey.parse(Files.readString(legacyKeyFile));
            ECKey.Builder builder = new ECKey.Builder(legacy)
                    .issueTime(
                            Date.from(Files.getLastModifiedTime(legacyKeyFile).toInstant()));
            if (legacy.getKeyID() == null) {
                builder.keyIDFromThumbprint();
            }
            return builder.build();
        } catch (ParseException | JOSEException exception) {
            throw new IOException("Token signing key " + legacyKeyFile + " is not an EC JWK", exception);
        }
    }

    private static ECKey generate(Instant now) throws IOException {
        try {
            return new ECKeyGenerator(Curve.P_256)
                    .keyUse(KeyUse.SIGNATURE)
                    .algorithm(JWSAlgorithm.ES256)
                    .keyIDFromThumbprint(true)
                    .issueTime(Date.from(now))
                    .generate();
        } catch (JOSEException exception) {
            throw new IOException("Cannot generate a token signing key", exception);
        }
    }

    private static void write(Path keySetFile, List<ECKey> keys) throws IOException {
        Path directory = keySetFile.toAbsolutePath().getParent();
        Files.createDirectories(directory);
        Path temporary = Files.createTempFile(
                directory,
                ".token-keys",
                ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.writeString(temporary, new JWKSet(List.copyOf(keys)).toString(false), StandardCharsets.UTF_8);
            // Atomic: a node re-reading the set sees the old one or the new one, never half of either.
            Files.move(temporary, keySetFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    private interface FileWork<T> {
        T run() throws IOException;
    }

    /**
     * Runs {@code work} holding an exclusive lock on a file beside the key set, so two nodes starting
     * together, or two operators rotating together, cannot both write and lose each other's key.
     */
    private static <T> T underLock(Path keySetFile, FileWork<T> work) {
        Path lockFile = keySetFile.resolveSibling(keySetFile.getFileName() + ".lock");
        synchronized (WRITE_LOCK) {
            try {
                Files.createDirectories(lockFile.toAbsolutePath().getParent());
                try (FileChannel channel =
                        FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                    channel.lock(); // released when the channel closes
                    return work.run();
                }
            } catch (IOException exception) {
                throw new UncheckedIOException("Cannot update the token signing keys in " + keySetFile, exception);
            }
        }
    }

    /** {@code kid (added at)} lines, for the operator command. */
    static List<String> describe(List<ECKey> keys) {
        Function<ECKey, String> added = key -> key.getIssueTime() == null
                ? "unknown"
                : key.getIssueTime().toInstant().toString();
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            lines.add(keys.get(i).getKeyID() + " added " + added.apply(keys.get(i))
                    + (i == keys.size() - 1 ? " (signing)" : ""));
        }
        return lines;
    }
}
