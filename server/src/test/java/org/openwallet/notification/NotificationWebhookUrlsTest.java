package org.openwallet.notification;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Which webhook URLs are accepted, and which destinations count as public. */
class NotificationWebhookUrlsTest {

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    @Test
    void publicAddresses_arePublic() {
        for (String literal :
                new String[] {"93.184.216.34", "8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2606:4700:4700::1111"
                }) {
            assertThat(WebhookUrls.isPublic(address(literal))).as(literal).isTrue();
        }
    }

    @Test
    void loopbackPrivateLinkLocalAndSpecialAddresses_areNotPublic() {
        for (String literal : new String[] {
            "127.0.0.1",
            "127.255.255.254",
            "10.0.0.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.0.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.255",
            "0.0.0.0",
            "0.1.2.3",
            "192.0.0.8",
            "198.18.0.1",
            "224.0.0.1",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "fe80::1",
            "fc00::1",
            "fd12:3456::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "::ffff:10.0.0.1"
        }) {
            assertThat(WebhookUrls.isPublic(address(literal))).as(literal).isFalse();
        }
    }

    @Test
    void ipv6TransitionAndSpecialPurposeRanges_areNotPublic() {
        for (String literal : new String[] {
            "2002::1",
            "2002:7f00:1::1",
            "2002:c0a8:101::1",
            "2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff", // 6to4, 2002::/16
            "64:ff9b::7f00:1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b::808:808", // NAT64, 64:ff9b::/96
            "64:ff9b:1::a00:1",
            "64:ff9b:1:ffff::1", // local NAT64, 64:ff9b:1::/48
            "2001::1",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "2001:0:ffff:ffff:ffff:ffff:ffff:ffff", // Teredo, 2001::/32
            "2001:2::1",
            "2001:10::1",
            "2001:20::1",
            "2001:1ff:ffff::1", // the rest of 2001::/23
            "fc00::1",
            "fd00::1",
            "fdff:ffff::1", // unique local, fc00::/7
            "fec0::1",
            "feff::1", // site-local, fec0::/10
            "fe80::1",
            "febf::1", // link-local, fe80::/10
            "ff02::1",
            "ff0e::1", // multicast, ff00::/8
            "2001:db8::1",
            "3fff::1",
            "3fff:fff::1", // documentation
            "::ffff:0:7f00:1",
            "::ffff:0:808:808", // IPv4-translated, ::ffff:0:0:0/96
            "::7f00:1",
            "::808:808",
            "::2", // IPv4-compatible, ::/96
            "100::1",
            "5f00::1",
            "1000::1",
            "4000::1",
            "e000::1"
        }) { // discard, SRv6, outside 2000::/3
            assertThat(WebhookUrls.isPublic(address(literal))).as(literal).isFalse();
        }
    }

    @Test
    void ipv6GlobalUnicastJustOutsideEachRefusedRange_isPublic() {
        for (String literal : new String[] {
            "2001:200::1",
            "2001:4860:4860::8888",
            "2001:db9::1",
            "2001:db7::1",
            "2003::1",
            "2001:ffff::1",
            "2000::1",
            "3ffe:ffff::1",
            "3fff:1000::1",
            "2a00:1450:4001:81c::200e",
            "2606:4700::6810:85e5"
        }) {
            assertThat(WebhookUrls.isPublic(address(literal))).as(literal).isTrue();
        }
    }

    @Test
    void ipv4DocumentationAndRelayRanges_areNotPublic_andTheirNeighboursAre() {
        for (String literal : new String[] {
            "192.0.2.1", "198.51.100.7", "203.0.113.255", "192.88.99.1", "::ffff:192.168.0.1", "::ffff:127.0.0.1"
        }) {
            assertThat(WebhookUrls.isPublic(address(literal))).as(literal).isFalse();
        }
        for (String literal : new String[] {
            "192.0.3.1", "198.51.101.1", "203.0.114.1", "192.88.100.1", "::ffff:8.8.8.8", "223.255.255.254"
        }) {
            assertThat(WebhookUrls.isPublic(address(literal))).as(literal).isTrue();
        }
    }

    @Test
    void destination_resolvesOnce_andAnswersTheCheckedAddressToConnectTo() {
        AtomicInteger lookups = new AtomicInteger();
        WebhookUrls.Resolver resolver = host -> {
            lookups.incrementAndGet();
            return new InetAddress[] {address("93.184.216.34"), address("2606:4700::6810:85e5")};
        };

        WebhookUrls.Destination destination =
                WebhookUrls.destination(URI.create("https://hooks.example.com/wallet"), false, resolver);

        assertThat(destination).isEqualTo(new WebhookUrls.Destination.Checked(address("93.184.216.34")));
        assertThat(lookups).hasValue(1);
    }

    @Test
    void destination_withOnePrivateAddressAmongPublicOnes_isRefused() {
        for (List<String> answer : List.of(
                List.of("93.184.216.34", "127.0.0.1"),
                List.of("2002:7f00:1::1", "93.184.216.34"),
                List.of("64:ff9b::a9fe:a9fe"))) {
            WebhookUrls.Resolver resolver = host ->
                    answer.stream().map(NotificationWebhookUrlsTest::address).toArray(InetAddress[]::new);

            assertThat(WebhookUrls.destination(URI.create("https://rebinding.example/hook"), false, resolver))
                    .as(answer.toString())
                    .isInstanceOfSatisfying(
                            WebhookUrls.Destination.Refused.class,
                            refused -> assertThat(refused.reason()).contains("public address"));
            assertThat(WebhookUrls.destination(URI.create("https://rebinding.example/hook"), true, resolver))
                    .as(answer.toString())
                    .isEqualTo(new WebhookUrls.Destination.Checked(address(answer.getFirst())));
        }
    }

    @Test
    void refusal_acceptsHttpAndHttpsToPublicAddresses() {
        assertThat(WebhookUrls.refusal("https://93.184.216.34/hooks/wallet?x=1", false))
                .isEmpty();
        assertThat(WebhookUrls.refusal("http://93.184.216.34:8443/", false)).isEmpty();
        assertThat(WebhookUrls.refusal("HTTPS://93.184.216.34/", false)).isEmpty();
        assertThat(WebhookUrls.refusal("http://[2606:4700:4700::1111]/hook", false))
                .isEmpty();
    }

    @Test
    void refusal_ofOtherSchemesCredentialsMissingHostsAndOverlongUrls_saysWhy() {
        assertThat(WebhookUrls.refusal(null, true)).contains("url is required.");
        assertThat(WebhookUrls.refusal(" ", true)).contains("url is required.");
        assertThat(WebhookUrls.refusal("ftp://93.184.216.34/", true)).contains("url must be an http or https URL.");
        assertThat(WebhookUrls.refusal("mailto:someone@example.com", true))
                .contains("url must be an http or https URL.");
        assertThat(WebhookUrls.refusal("https://admin:secret@93.184.216.34/", true))
                .contains("url must not contain a user name or password.");
        assertThat(WebhookUrls.refusal("https://admin@93.184.216.34/", true))
                .contains("url must not contain a user name or password.");
        assertThat(WebhookUrls.refusal("https:///path-only", true)).contains("url must name a host.");
        assertThat(WebhookUrls.refusal("https://bad host/", true)).contains("url is not a valid URL.");
        String prefix = "https://93.184.216.34/";
        assertThat(WebhookUrls.refusal(prefix + "a".repeat(2048 - prefix.length()), true))
                .isEmpty();
        assertThat(WebhookUrls.refusal(prefix + "a".repeat(2049 - prefix.length()), true))
                .contains("url must be at most 2048 characters.");
    }

    @Test
    void refusal_ofPrivateDestinations_dependsOnTheSetting() {
        for (String url : new String[] {
            "http://127.0.0.1:9000/hook",
            "http://localhost/hook",
            "http://[::1]/hook",
            "http://10.0.0.5/",
            "http://169.254.169.254/latest/meta-data/",
            "http://[2002:a9fe:a9fe::1]/",
            "http://[64:ff9b::a9fe:a9fe]/",
            "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",
            "http://[fec0::1]/",
            "http://[fd00::1]/",
            "http://[::ffff:10.0.0.1]/"
        }) {
            assertThat(WebhookUrls.refusal(url, false))
                    .as(url)
                    .hasValueSatisfying(reason -> assertThat(reason).contains("public address"));
            assertThat(WebhookUrls.refusal(url, true)).as(url).isEmpty();
        }
    }

    @Test
    void destinationRefusal_ofAHostThatDoesNotResolve_saysSo() {
        assertThat(WebhookUrls.destinationRefusal(URI.create("https://no-such-host.invalid/hook")))
                .contains("url's host no-such-host.invalid does not resolve.");
    }
}
