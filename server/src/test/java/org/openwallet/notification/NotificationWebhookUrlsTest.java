package org.openwallet.notification;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
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
        for (String literal : new String[] {"93.184.216.34", "8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2606:4700:4700::1111"}) {
            assertThat(WebhookUrls.isPublic(address(literal))).as(literal).isTrue();
        }
    }

    @Test
    void loopbackPrivateLinkLocalAndSpecialAddresses_areNotPublic() {
        for (String literal : new String[] {"127.0.0.1", "127.255.255.254", "10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.0.1",
                "169.254.169.254", "100.64.0.1", "100.127.255.255", "0.0.0.0", "0.1.2.3", "192.0.0.8", "198.18.0.1", "224.0.0.1",
                "240.0.0.1", "255.255.255.255", "::", "::1", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1", "::ffff:127.0.0.1",
                "::127.0.0.1", "64:ff9b::a9fe:a9fe", "::ffff:10.0.0.1"}) {
            assertThat(WebhookUrls.isPublic(address(literal))).as(literal).isFalse();
        }
    }

    @Test
    void refusal_acceptsHttpAndHttpsToPublicAddresses() {
        assertThat(WebhookUrls.refusal("https://93.184.216.34/hooks/wallet?x=1", false)).isEmpty();
        assertThat(WebhookUrls.refusal("http://93.184.216.34:8443/", false)).isEmpty();
        assertThat(WebhookUrls.refusal("HTTPS://93.184.216.34/", false)).isEmpty();
        assertThat(WebhookUrls.refusal("http://[2606:4700:4700::1111]/hook", false)).isEmpty();
    }

    @Test
    void refusal_ofOtherSchemesCredentialsMissingHostsAndOverlongUrls_saysWhy() {
        assertThat(WebhookUrls.refusal(null, true)).contains("url is required.");
        assertThat(WebhookUrls.refusal(" ", true)).contains("url is required.");
        assertThat(WebhookUrls.refusal("ftp://93.184.216.34/", true)).contains("url must be an http or https URL.");
        assertThat(WebhookUrls.refusal("mailto:someone@example.com", true)).contains("url must be an http or https URL.");
        assertThat(WebhookUrls.refusal("https://admin:secret@93.184.216.34/", true)).contains("url must not contain a user name or password.");
        assertThat(WebhookUrls.refusal("https://admin@93.184.216.34/", true)).contains("url must not contain a user name or password.");
        assertThat(WebhookUrls.refusal("https:///path-only", true)).contains("url must name a host.");
        assertThat(WebhookUrls.refusal("https://bad host/", true)).contains("url is not a valid URL.");
        String prefix = "https://93.184.216.34/";
        assertThat(WebhookUrls.refusal(prefix + "a".repeat(2048 - prefix.length()), true)).isEmpty();
        assertThat(WebhookUrls.refusal(prefix + "a".repeat(2049 - prefix.length()), true)).contains("url must be at most 2048 characters.");
    }

    @Test
    void refusal_ofPrivateDestinations_dependsOnTheSetting() {
        for (String url : new String[] {"http://127.0.0.1:9000/hook", "http://localhost/hook", "http://[::1]/hook", "http://10.0.0.5/",
                "http://169.254.169.254/latest/meta-data/"}) {
            assertThat(WebhookUrls.refusal(url, false)).as(url).hasValueSatisfying(reason -> assertThat(reason).contains("public address"));
            assertThat(WebhookUrls.refusal(url, true)).as(url).isEmpty();
        }
    }

    @Test
    void destinationRefusal_ofAHostThatDoesNotResolve_saysSo() {
        assertThat(WebhookUrls.destinationRefusal(URI.create("https://no-such-host.invalid/hook")))
                .contains("url's host no-such-host.invalid does not resolve.");
    }
}
