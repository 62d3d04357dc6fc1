package org.openwallet.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

/**
 * One load thread's HTTP/1.1 keep-alive connection to the wallet, posting JSON with a bearer token
 * and an Idempotency-Key. Not thread-safe: each load thread has its own.
 */
interface LoadConnection extends AutoCloseable {
    /** How long one request may take before it counts as failed. */
    Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    record Response(int status, byte[] body) {}

    Response post(String path, String authorization, String idempotencyKey, byte[] json)
            throws IOException, InterruptedException;

    /** Connections this one opened (the server closes keep-alive connections after a number of requests). */
    long connects();

    @Override
    void close();

    /**
     * A blocking socket speaking just the HTTP/1.1 a JSON API needs (Content-Length and chunked
     * bodies, {@code Connection: close}). Its cost per request is a few microseconds and two system
     * calls, so the load generator takes as little as it can of the CPU the wallet shares with it.
     */
    final class Plain implements LoadConnection {
        private static final int MAX_HEADER_LINE = 8_192;
        private static final int MAX_BODY_BYTES = 1 << 20;

        private final String host;
        private final int port;
        private Socket socket;
        private InputStream in;
        private OutputStream out;
        private long connects;
        private boolean responseStarted;

        Plain(String host, int port) {
            this.host = host;
            this.port = port;
        }

        @Override
        public Response post(String path, String authorization, String idempotencyKey, byte[] json) throws IOException {
            byte[] head = ("POST " + path + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\nAuthorization: "
                            + authorization
                            + "\r\nIdempotency-Key: " + idempotencyKey
                            + "\r\nContent-Type: application/json\r\nAccept: application/json"
                            + "\r\nContent-Length: " + json.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1);
            boolean reused = socket != null;
            try {
                return exchange(head, json);
            } catch (IOException failure) {
                close();
                if (!reused || responseStarted) {
                    throw failure;
                }
            } catch (RuntimeException failure) {
                close();
                throw failure;
            }
            // The server had closed the idle keep-alive connection (nothing of an answer arrived).
            // Sending again is safe: the Idempotency-Key makes a payment that was taken after all
            // answer with its first response instead of moving money twice.
            try {
                return exchange(head, json);
            } catch (IOException | RuntimeException failure) {
                close();
                throw failure;
            }
        }

        private Response exchange(byte[] head, byte[] json) throws IOException {
            if (socket == null) {
                connect();
            }
            responseStarted = false;
            out.write(head);
            out.write(json);
            out.flush();
            String statusLine = line();
            if (statusLine == null) {
                throw new EOFException("connection closed before a response");
            }
            if (!statusLine.startsWith("HTTP/1.1 ") || statusLine.length() < 12) {
                throw new IOException("not an HTTP/1.1 status line: " + statusLine);
            }
            int status = Integer.parseInt(statusLine.substring(9, 12));
            long contentLength = -1;
            boolean chunked = false;
            boolean closeAfter = false;
            for (String header = line(); ; header = line()) {
                if (header == null) {
                    throw new IOException("connection closed inside the response headers");
                }
                if (header.isEmpty()) {
                    break;
                }
                int colon = header.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String name = header.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = header.substring(colon + 1).trim();
                switch (name) {
                    case "content-length" -> contentLength = Long.parseLong(value);
                    case "transfer-encoding" ->
                        chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                    case "connection" -> closeAfter = value.equalsIgnoreCase("close");
                    default -> {}
                }
            }
            byte[] body = chunked ? chunkedBody() : fixedBody(contentLength);
            if (closeAfter) {
                close();
            }
            return new Response(status, body);
        }

        private void connect() throws IOException {
            Socket opened = new Socket();
            opened.setTcpNoDelay(true);
            opened.setKeepAlive(true);
            opened.connect(new InetSocketAddress(host, port), (int)
                    Duration.ofSeconds(5).toMillis());
            opened.setSoTimeout((int) REQUEST_TIMEOUT.toMillis());
            socket = opened;
            in = new BufferedInputStream(opened.getInputStream(), 16_384);
            out = new BufferedOutputStream(opened.getOutputStream(), 16_384);
            connects++;
        }

        private byte[] fixedBody(long length) throws IOException {
            if (length < 0) {
                // Neither a length nor chunks: the body runs until the server closes (HTTP/1.0 style).
                ByteArrayOutputStream body = new ByteArrayOutputStream();
                in.transferTo(body);
                close();
                return body.toByteArray();
            }
            if (length > MAX_BODY_BYTES) {
                throw new IOException("response body of " + length + " bytes");
            }
            return in.readNBytes((int) length);
        }

        private byte[] chunkedBody() throws IOException {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            while (true) {
                String sizeLine = line();
                if (sizeLine == null) {
                    throw new EOFException("connection closed inside a chunked body");
                }
                int extension = sizeLine.indexOf(';');
                int size = Integer.parseInt((extension < 0 ? sizeLine : sizeLine.substring(0, extension)).trim(), 16);
                if (size == 0) {
                    // Trailers, if any, end with an empty line.
                    for (String trailer = line(); trailer != null && !trailer.isEmpty(); trailer = line()) {
                        continue;
                    }
                    return body.toByteArray();
                }
                if (body.size() + size > MAX_BODY_BYTES) {
                    throw new IOException("chunked response body over " + MAX_BODY_BYTES + " bytes");
                }
                body.write(in.readNBytes(size));
                line();
            }
        }

        /** A CRLF-terminated line without its terminator, or null at the end of the stream before any byte. */
        private String line() throws IOException {
            StringBuilder line = new StringBuilder(64);
            while (true) {
                int next = in.read();
                responseStarted |= next >= 0;
                if (next < 0) {
                    if (line.isEmpty()) {
                        return null;
                    }
                    throw new EOFException("connection closed inside a line");
                }
                if (next == '\n') {
                    int length = line.length();
                    if (length > 0 && line.charAt(length - 1) == '\r') {
                        line.setLength(length - 1);
                    }
                    return line.toString();
                }
                if (line.length() == MAX_HEADER_LINE) {
                    throw new IOException("response line over " + MAX_HEADER_LINE + " bytes");
                }
                line.append((char) next);
            }
        }

        @Override
        public long connects() {
            return connects;
        }

        @Override
        public void close() {
            if (socket != null) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // Closing a socket the server already closed: nothing is left to release.
                }
                socket = null;
            }
        }
    }

    /** The JDK's {@link HttpClient} (HTTP/1.1), one shared by all load threads; it pools its own connections. */
    final class Jdk implements LoadConnection {
        private final HttpClient client;
        private final String baseUrl;

        Jdk(HttpClient client, String baseUrl) {
            this.client = client;
            this.baseUrl = baseUrl;
        }

        @Override
        public Response post(String path, String authorization, String idempotencyKey, byte[] json)
                throws IOException, InterruptedException {
            HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                    .timeout(REQUEST_TIMEOUT)
                    .header("Authorization", authorization)
                    .header("Idempotency-Key", idempotencyKey)
                    .header("Content-Type", "application/json")
                    .header("Accept", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(json))
                    .build();
            HttpResponse<byte[]> response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
            return new Response(response.statusCode(), response.body());
        }

        /** Unknown: the client's pool does not say. */
        @Override
        public long connects() {
            return 0;
        }

        @Override
        public void close() {
            // The shared client outlives each thread's use of it.
        }
    }
}
