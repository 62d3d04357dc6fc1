package org.openwallet.notification;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * An HTTP/1.1 POST to an address chosen by the caller, not looked up again: the webhook sender
 * connects to exactly the address {@link WebhookUrls#destination} checked, so a DNS answer that
 * changes between check and connect (rebinding) cannot send it elsewhere.
 * {@link java.net.http.HttpClient} resolves the host itself and cannot be told where to connect.
 *
 * <p>The URL's host still names the other end everywhere it should: in the {@code Host} header, in
 * the TLS server name (SNI), and in the certificate check ({@code HTTPS} endpoint identification
 * against the host name, not the address). One request per connection ({@code Connection: close});
 * only the status line is read, with every read bounded by what is left of the request timeout,
 * and at most {@link #MAX_RESPONSE_HEAD_BYTES} of response head, so a receiver that trickles
 * bytes or sends an endless header cannot hold a sender thread. The body is small (one
 * notification), so writing it fits in the socket's buffer and does not block on a receiver that
 * does not read.
 */
final class PinnedHttp {
    static final int MAX_RESPONSE_HEAD_BYTES = 16 * 1024;

    /** Opens the TCP connection; tests record where it goes. */
    @FunctionalInterface
    interface Connector {
        Connector DIRECT = (target, timeoutMillis) -> {
            Socket socket = new Socket();
            try {
                socket.connect(target, timeoutMillis);
                return socket;
            } catch (IOException | RuntimeException failure) {
                socket.close();
                throw failure;
            }
        };

        Socket connect(InetSocketAddress target, int timeoutMillis) throws IOException;
    }

    private final Connector connector;
    private final SSLSocketFactory tls;

    PinnedHttp(Connector connector, SSLSocketFactory tls) {
        this.connector = connector;
        this.tls = tls;
    }

    /** POSTs {@code body} to {@code url} over a connection to {@code address}; answers the final status code. */
    int post(
            URI url,
            InetAddress address,
            Map<String, String> headers,
            byte[] body,
            Duration connectTimeout,
            Duration requestTimeout)
            throws IOException {
        boolean https = url.getScheme().toLowerCase(Locale.ROOT).equals("https");
        int port = url.getPort() >= 0 ? url.getPort() : https ? 443 : 80;
        long deadline = System.nanoTime() + requestTimeout.toNanos();
        Socket socket = connector.connect(
                new InetSocketAddress(address, port), Math.toIntExact(Math.max(1, connectTimeout.toMillis())));
        try {
            socket.setSoTimeout(remainingMillis(deadline));
            if (https) {
                socket = secure(socket, url, port);
            }
            OutputStream out = socket.getOutputStream();
            out.write(head(url, headers, body.length).getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            return status(socket, deadline);
        } finally {
            socket.close();
        }
    }

    private SSLSocket secure(Socket plain, URI url, int port) throws IOException {
        String host = bare(url.getHost());
        SSLSocket socket = (SSLSocket) tls.createSocket(plain, host, port, true);
        SSLParameters parameters = socket.getSSLParameters();
        // Checks the certificate against the URL's host name, as a browser would, whatever address was dialled.
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        if (!isLiteral(url.getHost())) {
            parameters.setServerNames(List.of(new SNIHostName(host)));
        }
        socket.setSSLParameters(parameters);
        socket.startHandshake();
        return socket;
    }

    private static String head(URI url, Map<String, String> headers, int contentLength) {
        String target = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        if (url.getRawQuery() != null) {
            target += "?" + url.getRawQuery();
        }
        StringBuilder head = new StringBuilder("POST ")
                .append(target)
                .append(" HTTP/1.1\r\n")
                // The authority as the user wrote it (WebhookUrls refuses user info): host, and port when one was
                // given.
                .append("Host: ")
                .append(url.getRawAuthority())
                .append("\r\n");
        headers.forEach((name, value) -> {
            if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("header " + name + " holds a line break");
            }
            head.append(name).append(": ").append(value).append("\r\n");
        });
        return head.append("Content-Length: ")
                .append(contentLength)
                .append("\r\n")
                .append("Connection: close\r\n\r\n")
                .toString();
    }

    /** Reads status lines until a final (non-1xx) one, skipping the headers of informational answers. */
    private static int status(Socket socket, long deadline) throws IOException {
        InputStream in = new BufferedInputStream(socket.getInputStream(), 1024);
        int[] budget = {MAX_RESPONSE_HEAD_BYTES};
        while (true) {
            String statusLine = line(socket, in, deadline, budget);
            String[] parts = statusLine.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/1.") || !parts[1].matches("\\d{3}")) {
                throw new IOException(
                        "not an HTTP/1.x status line: " + statusLine.substring(0, Math.min(statusLine.length(), 100)));
            }
            int status = Integer.parseInt(parts[1]);
            if (status >= 200) {
                return status;
            }
            while (!line(socket, in, deadline, budget).isEmpty()) {
                // Headers of a 1xx answer: nothing in them matters here.
            }
        }
    }

    private static String line(Socket socket, InputStream in, long deadline, int[] budget) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            socket.setSoTimeout(remainingMillis(deadline));
            int next = in.read();
            if (next < 0) {
                throw new IOException("the receiver closed the connection before its status line");
            }
            if (--budget[0] < 0) {
                throw new IOException(
                        "the receiver's response head is longer than " + MAX_RESPONSE_HEAD_BYTES + " bytes");
            }
            if (next == '\n') {
                String text = line.toString(StandardCharsets.ISO_8859_1);
                return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
            }
            line.write(next);
        }
    }

    private static int remainingMillis(long deadline) throws SocketTimeoutException {
        long remaining = Duration.ofNanos(deadline - System.nanoTime()).toMillis();
        if (remaining <= 0) {
            throw new SocketTimeoutException("the request timed out");
        }
        return Math.toIntExact(Math.min(remaining, Integer.MAX_VALUE));
    }

    private static String bare(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    private static boolean isLiteral(String host) {
        return host.startsWith("[") || host.matches("\\d{1,3}(\\.\\d{1,3}){3}");
    }
}
