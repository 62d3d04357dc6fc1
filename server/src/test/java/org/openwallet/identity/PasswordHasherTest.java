package org.openwallet.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.openwallet.platform.WalletProperties;

class PasswordHasherTest {
    private static final WalletProperties.Passwords SHIPPED = new WalletProperties.Passwords(16384, 2);
    private static final WalletProperties.Passwords CHEAP = new WalletProperties.Passwords(64, 1);

    @Test
    void hashesWithTheConfiguredCost() {
        assertThat(new PasswordHasher(SHIPPED).hash("correct horse")).startsWith("$argon2id$v=19$m=16384,t=2,p=1$");
        assertThat(new PasswordHasher(CHEAP).hash("correct horse")).startsWith("$argon2id$v=19$m=64,t=1,p=1$");
    }

    @Test
    void aHashIsCheckedWithItsOwnCost_soChangingTheSettingLocksNobodyOut() {
        PasswordHasher shipped = new PasswordHasher(SHIPPED);
        PasswordHasher cheap = new PasswordHasher(CHEAP);

        assertThat(cheap.matches("correct horse", shipped.hash("correct horse"))).isTrue();
        assertThat(shipped.matches("correct horse", cheap.hash("correct horse"))).isTrue();
        assertThat(shipped.matches("wrong horse", cheap.hash("correct horse"))).isFalse();
    }

    @Test
    void refusesACostArgon2CannotRun() {
        assertThatThrownBy(() -> new WalletProperties.Passwords(4, 1)).hasMessageContaining("memory-kib >= 8");
        assertThatThrownBy(() -> new WalletProperties.Passwords(64, 0)).hasMessageContaining("iterations >= 1");
    }
}
