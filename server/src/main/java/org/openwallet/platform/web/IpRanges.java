package org.openwallet.platform.web;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * A list of IP addresses and CIDR ranges (IPv4 and IPv6), given as literals only: the fraud rules'
 * blocklist and the trusted reverse proxies.
 */
public final class IpRanges {
    private record Range(byte[] network, int prefixBits) {
        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            for (int bit = 0; bit < prefixBits; bit++) {
                int mask = 0x80 >>> (bit % 8);
                if ((address[bit / 8] & mask) != (network[bit / 8] & mask)) {
                    return false;
                }
            }
            return true;
        }
    }

    private final String setting;
    private final List<Range> ranges;

    /** The ranges of the setting named {@code setting}, which error messages name. */
    public IpRanges(String setting, List<String> entries) {
        this.setting = setting;
        this.ranges = entries.stream()
                .map(String::strip)
                .filter(entry -> !entry.isEmpty())
                .map(this::parse)
                .toList();
    }

    public boolean isEmpty() {
        return ranges.isEmpty();
    }

    /** Whether {@code ip}, an IP literal, is in one of the ranges; false for anything that is not an IP literal. */
    public boolean contains(String ip) {
        byte[] address = literal(ip);
        return address != null && ranges.stream().anyMatch(range -> range.contains(address));
    }

    private Range parse(String entry) {
        int slash = entry.indexOf('/');
        byte[] network = literal(slash < 0 ? entry : entry.substring(0, slash));
        if (network == null) {
            throw new IllegalArgumentException(setting + ": '" + entry + "' is not an IP address or CIDR range");
        }
        int prefix = slash < 0 ? network.length * 8 : Integer.parseInt(entry.substring(slash + 1));
        if (prefix < 0 || prefix > network.length * 8) {
            throw new IllegalArgumentException(setting + ": bad prefix in '" + entry + "'");
        }
        return new Range(network, prefix);
    }

    /** The address bytes of an IP literal; null for anything else (never a DNS lookup). */
    static byte[] literal(String text) {
        if (text == null || !text.matches("[0-9a-fA-F:.]+")) {
            return null;
        }
        try {
            return InetAddress.getByName(text).getAddress();
        } catch (UnknownHostException notAnAddress) {
            return null;
        }
    }
}
