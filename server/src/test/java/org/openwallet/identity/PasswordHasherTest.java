package org.openwallet.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openwallet.Race;
import org.openwallet.platform.web.OverloadedException;

class PasswordHasherTest {
    private static final PasswordProperties SHIPPED = new PasswordProperties(16384, 2, 0, Duration.ofSeconds(1));
    private static final PasswordProperties CHEAP = new PasswordProperties(64, 1, 0, Duration.ofSeconds(1));

    @Test
    void hashesWithTheConfiguredCost() {
        assertThat(new PasswordHasher(SHIPPED).hash("correct horse")).startsWith("$argon2id$v=19$m=16384,t=2,p=1$");
        assertThat(new PasswordHasher(CHEAP).hash("correct horse")).startsWith("$argon2id$v=19$m=64,t=1,p=1$");
    }

    @Test
    void aHashIsCheckedWithItsOwnCost_soChangingTheSettingLocksNobodyOut() {
        PasswordHasher shipped = new PasswordHasher(SHIPPED);
        PasswordHasher cheap = new PasswordHasher(CHEAP);

        assertThat(cheap.matches("correct horse", shipped.hash("correct horse")))
                .isTrue();
        assertThat(shipped.matches("correct horse", cheap.hash("correct horse")))
                .isTrue();
        assertThat(shipped.matches("wrong horse", cheap.hash("correct horse"))).isFalse();
    }

    @Test
    void refusesACostArgon2CannotRun() {
        assertThatThrownBy(() -> new PasswordProperties(4, 1, 0, Duration.ofSeconds(1)))
                .hasMessageContaining("memory-kib >= 8");
        assertThatThrownBy(() -> new PasswordProperties(64, 0, 0, Duration.ofSeconds(1)))
                .hasMessageContaining("iterations >= 1");
    }

    @Test
    void refusesANegativeHashBound() {
        assertThatThrownBy(() -> new PasswordProperties(64, 1, -1, Duration.ofSeconds(1)))
                .hasMessageContaining("max-concurrent-hashes >= 0");
        assertThat(new PasswordProperties(64, 1, 0, Duration.ofSeconds(1)).concurrentHashLimit())
                .isEqualTo(Math.max(2, Runtime.getRuntime().availableProcessors()));
    }

    @Test
    void atMostTheBoundHashAtOnce_theRestWaitThenAreRefused() throws Exception {
        // Hashes slow enough (64 MiB, 4 passes: a few hundred milliseconds) that two of them are still
        // running when the other racers' 50 ms wait ends.
        PasswordHasher hasher = new PasswordHasher(new PasswordProperties(65536, 4, 2, Duration.ofMillis(50)));
        String hash = hasher.hash("correct horse");

        List<String> outcomes = Race.run(8, racer -> () -> {
            try {
                return hasher.matches("correct horse", hash) ? "matched" : "mismatched";
            } catch (OverloadedException busy) {
                assertThat(busy.retryAfterSeconds()).isPositive();
                return "refused";
            }
        });

        assertThat(hasher.limit()).isEqualTo(2);
        assertThat(hasher.peakConcurrentHashes()).isEqualTo(2);
        assertThat(outcomes).doesNotContain("mismatched").contains("matched", "refused");
        // Once the burst is over, a hash gets a permit again.
        assertThat(hasher.matches("correct horse", hash)).isTrue();
    }
}
