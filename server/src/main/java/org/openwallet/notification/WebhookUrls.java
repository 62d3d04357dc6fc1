package org.openwallet.notification;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Optional;

/**
 * Which URLs a user may have the wallet call. The wallet sits inside its operator's network, so a
 * webhook URL is a request the user makes the wallet send: by default it may only go to public
 * addresses (no loopback, private, link-local, carrier-grade NAT or other special-use ranges),
 * or anyone could probe internal services and cloud metadata endpoints (SSRF).
 *
 * <p>The check runs when the URL is stored and again before every delivery attempt, because what a
 * name resolves to can change (DNS rebinding). Between that check and the HTTP client's own lookup a
 * hostile DNS server still has a window; closing it needs connecting to the checked address
 * itself, which {@link java.net.http.HttpClient} does not offer. Redirects are never followed.
 */
final class WebhookUrls {
    static final int MAX_LENGTH = 2048;

    private WebhookUrls() {
    }

    /** Why {@code text} cannot be a webhook URL, or empty when it can. */
    static Optional<String> refusal(String text, boolean allowPrivateAddresses) {
        if (text == null || text.isBlank()) {
            return Optional.of("url is required.");
        }
        if (text.length() > MAX_LENGTH) {
            return Optional.of("url must be at most " + MAX_LENGTH + " characters.");
        }
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException malformed) {
            return Optional.of("url is not a valid URL.");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            return Optional.of("url must be an http or https URL.");
        }
        if (uri.getRawUserInfo() != null || uri.getRawAuthority() != null && uri.getRawAuthority().contains("@")) {
            return Optional.of("url must not contain a user name or password.");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            return Optional.of("url must name a host.");
        }
        return allowPrivateAddresses ? Optional.empty() : destinationRefusal(uri);
    }

    /** Why the wallet must not call {@code uri}'s host as it resolves now, or empty when it may. */
    static Optional<String> destinationRefusal(URI uri) {
        String host = uri.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(host);
        } catch (UnknownHostException unknown) {
            return Optional.of("url's host " + uri.getHost() + " does not resolve.");
        }
        for (InetAddress address : addresses) {
            if (!isPublic(address)) {
                return Optional.of("url must point at a public address; " + uri.getHost() + " is " + address.getHostAddress() + ".");
            }
        }
        return Optional.empty();
    }

    /** Whether {@code address} is on the public internet, not in a range that stays inside a network or host. */
    static boolean isPublic(InetAddress address) {
        if (address.isAnyLocalAddress() || address.isLoopbackAddress() || address.isLinkLocalAddress()
                || address.isSiteLocalAddress() || address.isMulticastAddress()) {
            return false;
        }
        byte[] bytes = address.getAddress();
        if (address instanceof Inet4Address) {
            return isPublicIpv4(bytes);
        }
        if (address instanceof Inet6Address) {
            if ((bytes[0] & 0xFE) == 0xFC) {
                return false; // fc00::/7, unique local
            }
            if (isIpv4Embedded(bytes)) {
                // ::a.b.c.d (IPv4-compatible) and 64:ff9b::a.b.c.d (NAT64) reach the IPv4 address inside.
                return isPublicIpv4(new byte[] {bytes[12], bytes[13], bytes[14], bytes[15]});
            }
        }
        return true;
    }

    private static boolean isPublicIpv4(byte[] bytes) {
        int first = bytes[0] & 0xFF;
        int second = bytes[1] & 0xFF;
        int third = bytes[2] & 0xFF;
        return !(first == 0                                    // 0.0.0.0/8, "this network"
                || first == 10                                 // 10.0.0.0/8
                || first == 127                                // loopback
                || first == 100 && (second & 0xC0) == 64       // 100.64.0.0/10, carrier-grade NAT
                || first == 169 && second == 254               // link-local, cloud metadata
                || first == 172 && (second & 0xF0) == 16       // 172.16.0.0/12
                || first == 192 && second == 168               // 192.168.0.0/16
                || first == 192 && second == 0 && third == 0   // 192.0.0.0/24, IETF protocol assignments
                || first == 198 && (second & 0xFE) == 18       // 198.18.0.0/15, benchmarking
                || first >= 224);                              // multicast, reserved, broadcast
    }

    private static boolean isIpv4Embedded(byte[] bytes) {
        boolean compatible = true;
        for (int i = 0; i < 12; i++) {
            compatible &= bytes[i] == 0;
        }
        boolean nat64 = bytes[0] == 0 && bytes[1] == 0x64 && bytes[2] == (byte) 0xFF && bytes[3] == (byte) 0x9B;
        for (int i = 4; i < 12; i++) {
            nat64 &= bytes[i] == 0;
        }
        return compatible || nat64;
    }
}
