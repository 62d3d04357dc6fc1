package org.openwallet.fraud;

import org.openwallet.identity.UserLoggedIn;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/** Remembers the IPs users log in from, for the new-IP rule. */
@Component
class KnownIps {
    private final FraudCheck fraud;

    KnownIps(FraudCheck fraud) {
        this.fraud = fraud;
    }

    @EventListener
    void on(UserLoggedIn event) {
        fraud.rememberIp(event.userId(), event.ip());
    }
}
