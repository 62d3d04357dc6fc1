package org.openwallet.notification;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Which URLs a user may have the wallet call. The wallet sits inside its operator's network, so a
 * webhook URL is a request the user makes the wallet send: by default it may only go to public
 * addresses (no loopback, private, link-local, carrier-grade NAT or other special-use ranges),
 * or anyone could probe internal services and cloud metadata endpoints (SSRF).
 *
 * <p>The check runs when the URL is stored and again before every delivery attempt, because what a
 * name resolves to can change (DNS rebinding). A delivery resolves the name once ({@link
 * #destination}), checks every address it got, and connects to the checked address itself
 * ({@link PinnedHttp}), so there is no second lookup a hostile DNS server could answer differently.
 * Redirects are never followed.
 *
 * <p>IPv6 is public only inside 2000::/3, the global unicast block, and outside its special-purpose
 * ranges (RFC 6890 and the IANA registry): the transition mechanisms (6to4, Teredo, NAT64) lead to
 * IPv4 addresses of someone else's choosing, which may be this network's own.
 */
final class WebhookUrls {
    static final int MAX_LENGTH = 2048;

    private WebhookUrls() {}

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
        if (uri.getRawUserInfo() != null
                || uri.getRawAuthority() != null && uri.getRawAuthority().contains("@")) {
            return Optional.of("url must not contain a user name or password.");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            return Optional.of("url must name a host.");
        }
        return allowPrivateAddresses ? Optional.empty() : destinationRefusal(uri);
    }

    /** Why the wallet must not call {@code uri}'s host as it resolves now, or empty when it may. */
    static Optional<String> destinationRefusal(URI uri) {
        return destination(uri, false, Resolver.SYSTEM) instanceof Destination.Refused refused
                ? Optional.of(refused.reason())
                : Optional.empty();
    }

    /** Looks host names up; {@link #SYSTEM} in production, a fixed answer in tests. */
    @FunctionalInterface
    interface Resolver {
        Resolver SYSTEM = InetAddress::getAllByName;

        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    /** Where a delivery may go: the one address to connect to, or why nowhere. */
    sealed interface Destination {
        record Checked(InetAddress address) implements Destination {}

        record Refused(String reason) implements Destination {}
    }

    /**
     * Resolves {@code uri}'s host once and answers the address to connect to: the first one, after
     * every address of the answer passed (a name with one private address among public ones is
     * refused, since which one a client picks is not ours to rely on). With private addresses
     * allowed the check is skipped, the pinning is not.
     */
    static Destination destination(URI uri, boolean allowPrivateAddresses, Resolver resolver) {
        String host = uri.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        InetAddress[] addresses;
        try {
            addresses = resolver.resolve(host);
        } catch (UnknownHostException unknown) {
            return new Destination.Refused("url's host " + uri.getHost() + " does not resolve.");
        }
        if (addresses.length == 0) {
            return new Destination.Refused("url's host " + uri.getHost() + " does not resolve.");
        }
        if (!allowPrivateAddresses) {
            for (InetAddress address : addresses) {
                if (!isPublic(address)) {
                    return new Destination.Refused("url must point at a public address; " + uri.getHost() + " is "
                            + address.getHostAddress() + ".");
                }
            }
        }
        return new Destination.Checked(addresses[0]);
    }

    /** Whether {@code address} is on the public internet, not in a range that stays inside a network or host. */
    static boolean isPublic(InetAddress address) {
        if (address.isAnyLocalAddress()
                || address.isLoopbackAddress()
                || address.isLinkLocalAddress()
                || address.isSiteLocalAddress()
                || address.isMulticastAddress()) {
            return false;
        }
        byte[] bytes = address.getAddress();
        if (address instanceof Inet4Address) {
            return IPV4_REFUSED.stream().noneMatch(range -> range.contains(bytes));
        }
        if (address instanceof Inet6Address) {
            return IPV6_GLOBAL_UNICAST.contains(bytes)
                    && IPV6_REFUSED.stream().noneMatch(range -> range.contains(bytes));
        }
        return false;
    }

    /** IPv4 ranges that are not the public internet (RFC 6890, RFC 5737, RFC 6598, RFC 7526). */
    static final List<Range> IPV4_REFUSED = List.of(
            Range.of("0.0.0.0/8", "this network"),
            Range.of("10.0.0.0/8", "private"),
            Range.of("100.64.0.0/10", "carrier-grade NAT"),
            Range.of("127.0.0.0/8", "loopback"),
            Range.of("169.254.0.0/16", "link-local, cloud metadata"),
            Range.of("172.16.0.0/12", "private"),
            Range.of("192.0.0.0/24", "IETF protocol assignments"),
            Range.of("192.0.2.0/24", "documentation"),
            Range.of("192.88.99.0/24", "6to4 relay anycast"),
            Range.of("192.168.0.0/16", "private"),
            Range.of("198.18.0.0/15", "benchmarking"),
            Range.of("198.51.100.0/24", "documentation"),
            Range.of("203.0.113.0/24", "documentation"),
            Range.of("224.0.0.0/3", "multicast, reserved, broadcast"));

    /** Everything outside it (::/8 with the IPv4-compatible, -mapped and -translated forms, 64:ff9b::/96, fc00::/7, fe80::/10, fec0::/10, ff00::/8) is refused. */
    private static final Range IPV6_GLOBAL_UNICAST = Range.of("2000::/3", "global unicast");

    /** Special-purpose ranges inside 2000::/3 (the IANA IPv6 special-purpose address registry, RFC 9637). */
    static final List<Range> IPV6_REFUSED = List.of(
            Range.of("2001::/23", "IETF protocol assignments: Teredo 2001::/32, benchmarking, ORCHID"),
            Range.of("2001:db8::/32", "documentation"),
            Range.of("2002::/16", "6to4"),
            Range.of("3fff::/20", "documentation"),
            Range.of("5f00::/16", "segment routing"));

    /** An address block in CIDR notation. */
    record Range(byte[] prefix, int bits, String name) {
        static Range of(String cidr, String name) {
            int slash = cidr.indexOf('/');
            try {
                return new Range(
                        InetAddress.getByName(cidr.substring(0, slash)).getAddress(),
                        Integer.parseInt(cidr.substring(slash + 1)),
                        name);
            } catch (UnknownHostException notALiteral) {
                throw new IllegalArgumentException(cidr, notALiteral);
            }
        }

        boolean contains(byte[] address) {
            if (address.length != prefix.length) {
                return false;
            }
            for (int bit = 0; bit < bits; bit += 8) {
                int mask = bits - bit >= 8 ? 0xFF : 0xFF << (8 - (bits - bit)) & 0xFF;
                if ((address[bit / 8] & mask) != (prefix[bit / 8] & mask)) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public String toString() {
            return HexFormat.of().formatHex(prefix) + "/" + bits + " (" + name + ")";
        }
    }
}
