package org.openwallet.platform.web;

import jakarta.servlet.http.HttpServletRequest;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.openwallet.platform.config.WalletProperties;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * The one place that says which IP address a request comes from, for rate limits, fraud rules and
 * the IPs a user logs in from.
 *
 * <p>{@code X-Forwarded-For} is anyone's to write, so it is believed only when the direct peer is
 * one of {@code wallet.http.trusted-proxies} (none by default: the header is ignored). Then the
 * chain is read from the right, skipping addresses that are themselves trusted proxies, and the
 * first address that is not one is the client: everything left of it was written by the client or
 * by a proxy we do not know, so it may be a lie. A chain of trusted proxies only, or an entry that is
 * not an IP literal, stops the walk at the last trusted hop: the address that hop connected from is
 * all that can be vouched for. Tomcat's own forwarded-header handling is off
 * ({@code server.forward-headers-strategy=none}), so {@link HttpServletRequest#getRemoteAddr()} is
 * always the TCP peer.
 */
@Component
public class ClientAddress {
    /** The most X-Forwarded-For entries looked at: a proxy chain is a handful of hops, never hundreds. */
    static final int MAX_FORWARDED_HOPS = 32;

    static final String FORWARDED_FOR = "X-Forwarded-For";

    private final IpRanges trustedProxies;

    @Autowired
    ClientAddress(WalletProperties properties) {
        this(new IpRanges("wallet.http.trusted-proxies", properties.http().trustedProxies()));
    }

    ClientAddress(IpRanges trustedProxies) {
        this.trustedProxies = trustedProxies;
    }

    /** The client's IP address, in canonical form (so that one address is one rate-limit bucket). */
    public String of(HttpServletRequest request) {
        List<String> forwarded = new ArrayList<>();
        for (String header : Collections.list(request.getHeaders(FORWARDED_FOR))) {
            for (String entry : header.split(",", -1)) {
                forwarded.add(entry);
            }
        }
        return resolve(request.getRemoteAddr(), forwarded);
    }

    /** The client behind {@code peer}, given the X-Forwarded-For entries in the order they were sent. */
    String resolve(String peer, List<String> forwardedFor) {
        String client = canonical(peer);
        if (client == null) {
            // Tomcat gives an IP literal; anything else (a Unix socket) is used as it is, never forwarded for.
            return peer;
        }
        int hops = 0;
        for (int i = forwardedFor.size() - 1; i >= 0 && trustedProxies.contains(client); i--) {
            String hop = canonical(withoutPort(forwardedFor.get(i).strip()));
            if (hop == null || ++hops > MAX_FORWARDED_HOPS) {
                break;
            }
            client = hop;
        }
        return client;
    }

    /** X-Forwarded-For entries usually are bare addresses, but some proxies add a port: {@code 1.2.3.4:80}, {@code [::1]:80}. */
    private static String withoutPort(String entry) {
        if (entry.startsWith("[")) {
            int close = entry.indexOf(']');
            return close < 0 ? entry : entry.substring(1, close);
        }
        int colon = entry.indexOf(':');
        return colon > 0 && colon == entry.lastIndexOf(':') ? entry.substring(0, colon) : entry;
    }

    private static String canonical(String ip) {
        byte[] address = IpRanges.literal(ip);
        if (address == null) {
            return null;
        }
        try {
            return InetAddress.getByAddress(address).getHostAddress();
        } catch (UnknownHostException impossible) {
            throw new IllegalStateException(impossible);
        }
    }
}
