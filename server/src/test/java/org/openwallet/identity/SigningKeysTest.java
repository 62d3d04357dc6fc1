package org.openwallet.identity;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The signing key set file: migration from the single key of earlier versions, rotation and pruning. */
class SigningKeysTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Duration RETENTION = Duration.ofMinutes(75);

    @TempDir
    Path directory;

    private static Clock at(Duration afterT0) {
        return Clock.fixed(T0.plus(afterT0), ZoneOffset.UTC);
    }

    private Path keySet() {
        return directory.resolve("keys").resolve("token-signing-keys.jwks");
    }

    private Path legacy() {
        return directory.resolve("keys").resolve("token-signing-key.jwk");
    }

    @Test
    void firstStart_withTheSingleKeyOfEarlierVersions_makesItTheFirstKeyOfTheSet_withItsKeyId() throws Exception {
        ECKey earlier =
                new ECKeyGenerator(Curve.P_256).keyIDFromThumbprint(true).generate();
        Files.createDirectories(legacy().getParent());
        Files.writeString(legacy(), earlier.toJSONString());

        List<ECKey> keys = SigningKeys.loadOrCreate(keySet(), legacy(), at(Duration.ZERO));

        assertThat(keys).hasSize(1);
        assertThat(keys.getFirst().getKeyID()).isEqualTo(earlier.getKeyID());
        assertThat(keys.getFirst().toECPublicKey()).isEqualTo(earlier.toECPublicKey());
        assertThat(SigningKeys.read(keySet())).extracting(ECKey::getKeyID).containsExactly(earlier.getKeyID());
    }

    @Test
    void firstStart_withoutAnyKey_createsAnOwnerOnlySetOfOneKey_andTheNextStartReadsIt() throws Exception {
        List<ECKey> created = SigningKeys.loadOrCreate(keySet(), legacy(), at(Duration.ZERO));

        assertThat(created).hasSize(1);
        assertThat(created.getFirst().getKeyID()).isNotBlank();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keySet())))
                .isEqualTo("rw-------");
        assertThat(SigningKeys.loadOrCreate(keySet(), legacy(), at(Duration.ofHours(1))))
                .extracting(ECKey::getKeyID)
                .containsExactly(created.getFirst().getKeyID());
    }

    @Test
    void rotate_appendsTheNewSigningKey_andPrunesOnlyKeysSupersededLongerAgoThanTheRetention() throws Exception {
        String first = SigningKeys.loadOrCreate(keySet(), legacy(), at(Duration.ZERO))
                .getFirst()
                .getKeyID();
        String second = SigningKeys.rotate(keySet(), legacy(), RETENTION, at(Duration.ofHours(1)))
                .added()
                .getKeyID();
        // The first key was superseded 30 minutes ago: tokens it signed may still be alive.
        SigningKeys.Rotation third = SigningKeys.rotate(keySet(), legacy(), RETENTION, at(Duration.ofMinutes(90)));
        assertThat(third.pruned()).isEmpty();
        assertThat(third.keys())
                .extracting(ECKey::getKeyID)
                .containsExactly(first, second, third.added().getKeyID());

        // Now the first was superseded 2 hours ago, the second 90 minutes ago: both can go; the third stays.
        SigningKeys.Rotation fourth = SigningKeys.rotate(keySet(), legacy(), RETENTION, at(Duration.ofHours(3)));

        assertThat(fourth.pruned()).containsExactly(first, second);
        assertThat(SigningKeys.read(keySet()))
                .extracting(ECKey::getKeyID)
                .containsExactly(third.added().getKeyID(), fourth.added().getKeyID());
    }

    @Test
    void tokensCommand_withOtherArguments_printsUsageAndExitsTwo() {
        assertThat(TokensCommand.run(new String[] {"spin"})).isEqualTo(2);
        assertThat(TokensCommand.run(new String[0])).isEqualTo(2);
        assertThat(TokensCommand.run(new String[] {"rotate", "now"})).isEqualTo(2);
    }
}
