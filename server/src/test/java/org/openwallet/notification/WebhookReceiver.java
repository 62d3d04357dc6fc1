package org.openwallet.notification;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.awaitility.Awaitility;

/**
 * A webhook receiver on 127.0.0.1 for tests: records every request it gets, per path, and answers
 * with the status its path's script gives for the n-th request (1-based).
 */
final class WebhookReceiver implements AutoCloseable {
    private static final Duration WAIT = Duration.ofSeconds(30);

    record Request(String path, Map<String, List<String>> headers, byte[] body) {
        String header(String name) {
            return headers.entrySet().stream()
                    .filter(entry -> entry.getKey().equalsIgnoreCase(name))
                    .map(entry -> entry.getValue().getFirst())
                    .findFirst()
                    .orElse(null);
        }
    }

    /** What a path does with its n-th request: answer this status, after an optional pause. */
    interface Script {
        int answer(int requestNumber) throws InterruptedException;
    }

    private final HttpServer server;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final Map<String, Script> scripts = new ConcurrentHashMap<>();
    private final Map<String, List<Request>> received = new ConcurrentHashMap<>();

    WebhookReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            byte[] body = exchange.getRequestBody().readAllBytes();
            List<Request> requests = received.computeIfAbsent(path, unused -> new CopyOnWriteArrayList<>());
            int number;
            synchronized (requests) {
                requests.add(new Request(path, Map.copyOf(exchange.getRequestHeaders()), body));
                number = requests.size();
            }
            int status;
            try {
                status = scripts.getOrDefault(path, n -> 204).answer(number);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                status = 503;
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        server.setExecutor(threads);
        server.start();
    }

    /** A path of the receiver that answers as {@code script} says. */
    String path(String name, Script script) {
        String path = "/" + name;
        scripts.put(path, script);
        return path;
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    List<Request> requests(String path) {
        return List.copyOf(received.getOrDefault(path, List.of()));
    }

    /** Waits until {@code path} got {@code count} requests and returns them; fails after {@link #WAIT}. */
    List<Request> await(String path, int count) {
        Awaitility.await(count + " requests to " + path)
                .atMost(WAIT)
                .pollInterval(Duration.ofMillis(20))
                .until(() -> requests(path).size(), received -> received >= count);
        return requests(path);
    }

    /**
     * Checks a {@code Wallet-Signature} header the way a receiver would, written here from the
     * documented format and not with the wallet's code: {@code t=<seconds>,v1=<hex HMAC-SHA256 of "t.body">}.
     */
    static boolean signatureValid(String header, String secret, byte[] body) {
        Matcher parts = Pattern.compile("t=(\\d+),v1=([0-9a-f]{64})").matcher(header == null ? "" : header);
        if (!parts.matches()) {
            return false;
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((parts.group(1) + ".").getBytes(StandardCharsets.UTF_8));
            byte[] expected = mac.doFinal(body);
            return MessageDigest.isEqual(expected, HexFormat.of().parseHex(parts.group(2)));
        } catch (GeneralSecurityException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
