package org.openwallet.platform.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which address a request is from, with and without trusted reverse proxies. */
class ClientAddressTest {
    private static ClientAddress trusting(String... ranges) {
        return new ClientAddress(new IpRanges("wallet.http.trusted-proxies", List.of(ranges)));
    }

    @Test
    void withNoTrustedProxy_forwardedForIsIgnored() {
        ClientAddress addresses = trusting();

        assertThat(addresses.resolve("127.0.0.1", List.of("203.0.113.9"))).isEqualTo("127.0.0.1");
        assertThat(addresses.resolve("198.51.100.7", List.of("10.0.0.1", " 203.0.113.9")))
                .isEqualTo("198.51.100.7");
    }

    @Test
    void fromATrustedProxy_theRightMostUntrustedAddressIsTheClient() {
        ClientAddress addresses = trusting("127.0.0.1", "10.0.0.0/8");

        assertThat(addresses.resolve("127.0.0.1", List.of("203.0.113.9"))).isEqualTo("203.0.113.9");
        // The client may have sent its own X-Forwarded-For: what is left of the first untrusted hop is not believed.
        assertThat(addresses.resolve("127.0.0.1", List.of("1.1.1.1", "198.51.100.7", " 10.1.2.3")))
                .isEqualTo("198.51.100.7");
        // Several header lines are one chain, in order.
        assertThat(addresses.resolve("10.0.0.2", List.of("8.8.8.8", "10.9.9.9")))
                .isEqualTo("8.8.8.8");
    }

    @Test
    void anUntrustedPeer_isTheClient_whateverItForwards() {
        assertThat(trusting("10.0.0.0/8").resolve("198.51.100.7", List.of("10.0.0.1")))
                .isEqualTo("198.51.100.7");
    }

    @Test
    void garbageOrOnlyTrustedHops_stopAtTheLastTrustedHop() {
        ClientAddress addresses = trusting("127.0.0.1", "10.0.0.0/8");

        assertThat(addresses.resolve("127.0.0.1", List.of("203.0.113.9", "not-an-ip", "10.0.0.5")))
                .isEqualTo("10.0.0.5");
        assertThat(addresses.resolve("127.0.0.1", List.of("10.0.0.4", "10.0.0.5")))
                .isEqualTo("10.0.0.4");
        assertThat(addresses.resolve("127.0.0.1", List.of(""))).isEqualTo("127.0.0.1");
        assertThat(addresses.resolve("127.0.0.1", List.of())).isEqualTo("127.0.0.1");
    }

    @Test
    void addressesAreCanonical_portsAndBracketsAreDropped() {
        ClientAddress addresses = trusting("::1", "127.0.0.1");

        assertThat(addresses.resolve("::1", List.of("2001:DB8:0:0::1"))).isEqualTo("2001:db8:0:0:0:0:0:1");
        assertThat(addresses.resolve("127.0.0.1", List.of("[2001:db8::1]:443"))).isEqualTo("2001:db8:0:0:0:0:0:1");
        assertThat(addresses.resolve("127.0.0.1", List.of("203.0.113.9:5555"))).isEqualTo("203.0.113.9");
        assertThat(addresses.resolve("0:0:0:0:0:0:0:1", List.of())).isEqualTo("0:0:0:0:0:0:0:1");
    }

    @Test
    void aLongChainIsReadForABoundedNumberOfHops() {
        ClientAddress addresses = trusting("10.0.0.0/8");
        List<String> chain = new java.util.ArrayList<>(List.of("203.0.113.9"));
        chain.addAll(Collections.nCopies(ClientAddress.MAX_FORWARDED_HOPS + 5, "10.0.0.1"));

        assertThat(addresses.resolve("10.0.0.2", chain)).isEqualTo("10.0.0.1");
    }

    @Test
    void aTrustedProxyThatIsNotAnAddress_failsAtStart() {
        assertThatThrownBy(() -> trusting("proxy.example.com")).hasMessageContaining("wallet.http.trusted-proxies");
    }
}
