package org.openwallet;

import org.junit.jupiter.api.Test;
import org.springframework.modulith.core.ApplicationModules;

/** One package per capability, no cycles, no reaching into another module's internals. */
class ModularityTest {
    @Test
    void moduleBoundariesHold() {
        ApplicationModules.of(WalletApplication.class).verify();
    }
}
