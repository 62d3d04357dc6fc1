package org.openwallet.notification;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.resilience4j.retry.RetryRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An https webhook delivered to the checked address still speaks TLS to the URL's host: the
 * receiver (a TLS server on loopback with a certificate for {@code hooks.example.test} only, no
 * IP address in it) sees that name in SNI, and a URL whose host the certificate does not name is
 * not delivered.
 */
class NotificationWebhookTlsTest {
    private static final String HOST = "hooks.example.test";
    private static final String PASSWORD = "test-only";
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    static Path keys;

    private static SSLContext serverTls;
    private static SSLContext clientTls;

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final List<String> serverNames = new CopyOnWriteArrayList<>();
    private final List<String> requestHeads = new CopyOnWriteArrayList<>();
    private SSLServerSocket server;
    private Thread acceptor;
    private WebhookSender sender;

    @BeforeAll
    static void makeCertificate() throws Exception {
        Path keyStore = keys.resolve("receiver.p12");
        Process keytool = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "keytool")
                                .toString(),
                        "-genkeypair",
                        "-alias",
                        "receiver",
                        "-keyalg",
                        "EC",
                        "-groupname",
                        "secp256r1",
                        "-dname",
                        "CN=" + HOST,
                        "-ext",
                        "SAN=dns:" + HOST,
                        "-validity",
                        "2",
                        "-keystore",
                        keyStore.toString(),
                        "-storetype",
                        "PKCS12",
                        "-storepass",
                        PASSWORD,
                        "-keypass",
                        PASSWORD)
                .redirectErrorStream(true)
                .start();
        String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(keytool.exitValue()).as(output).isZero();

        KeyStore receiverKeys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyStore)) {
            receiverKeys.load(in, PASSWORD.toCharArray());
        }
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(receiverKeys, PASSWORD.toCharArray());
        serverTls = SSLContext.getInstance("TLS");
        serverTls.init(keyManagers.getKeyManagers(), null, null);

        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        trusted.setCertificateEntry("receiver", receiverKeys.getCertificate("receiver"));
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trusted);
        clientTls = SSLContext.getInstance("TLS");
        clientTls.init(null, trustManagers.getTrustManagers(), null);
    }

    @AfterAll
    static void forget() {
        serverTls = null;
        clientTls = null;
    }

    @AfterEach
    void stop() throws Exception {
        if (sender != null) {
            sender.close();
        }
        if (server != null) {
            server.close();
            acceptor.join(TimeUnit.SECONDS.toMillis(10));
        }
    }

    /** A TLS receiver on loopback that answers 204 to every request and records the SNI name and request head it got. */
    private int startReceiver() throws IOException {
        server = (SSLServerSocket)
                serverTls.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = Thread.ofPlatform().daemon().start(() -> {
            while (!server.isClosed()) {
                try (SSLSocket socket = (SSLSocket) server.accept()) {
                    socket.setSoTimeout(10_000);
                    socket.startHandshake();
                    for (SNIServerName name : ((ExtendedSSLSession) socket.getSession()).getRequestedServerNames()) {
                        serverNames.add(((SNIHostName) name).getAsciiName());
                    }
                    BufferedReader reader = new BufferedReader(
                            new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
                    List<String> head = new ArrayList<>();
                    for (String line; (line = reader.readLine()) != null && !line.isEmpty(); ) {
                        head.add(line);
                    }
                    requestHeads.add(String.join("\n", head));
                    OutputStream out = socket.getOutputStream();
                    out.write(
                            "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                } catch (IOException closedOrRefused) {
                    // A closed server ends the loop; a client that gave up on the certificate ends only its connection.
                }
            }
        });
        return server.getLocalPort();
    }

    private WebhookSender sender(int receiverPort) throws IOException {
        InetAddress checked = InetAddress.getByName("93.184.216.34");
        PinnedHttp.Connector toReceiver = (target, timeoutMillis) -> {
            assertThat(target.getAddress()).isEqualTo(checked);
            Socket socket = new Socket();
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), receiverPort), timeoutMillis);
            return socket;
        };
        sender = new WebhookSender(
                new NotificationProperties.Webhook(
                        false, 1, 10, 20, Duration.ofSeconds(2), Duration.ofSeconds(5), 2, Duration.ofMillis(10)),
                meters,
                Clock.fixed(Instant.parse("2026-03-01T12:00:00Z"), ZoneOffset.UTC),
                RetryRegistry.ofDefaults(),
                host -> new InetAddress[] {checked},
                new PinnedHttp(toReceiver, clientTls.getSocketFactory()));
        return sender;
    }

    private void awaitCount(String outcome) {
        await("a delivery with outcome " + outcome)
                .atMost(WAIT)
                .pollInterval(Duration.ofMillis(10))
                .until(() -> count(outcome) >= 1);
    }

    private double count(String outcome) {
        Counter counter =
                meters.find(WebhookSender.METRIC).tag("outcome", outcome).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void httpsDelivery_toTheCheckedAddress_sendsTheUrlsHostAsSni_andVerifiesTheCertificateAgainstIt() throws Exception {
        int port = startReceiver();

        sender(port)
                .submit(new WebhookSender.Delivery(
                        UUID.randomUUID(),
                        URI.create("https://" + HOST + ":" + port + "/hook"),
                        "secret",
                        "n1",
                        "{}".getBytes(StandardCharsets.UTF_8)));

        awaitCount("delivered");
        assertThat(serverNames).containsExactly(HOST);
        assertThat(requestHeads)
                .singleElement()
                .satisfies(head ->
                        assertThat(head).startsWith("POST /hook HTTP/1.1").contains("Host: " + HOST + ":" + port));
    }

    @Test
    void httpsDelivery_toAHostTheCertificateDoesNotName_isNotDelivered() throws Exception {
        int port = startReceiver();

        sender(port)
                .submit(new WebhookSender.Delivery(
                        UUID.randomUUID(),
                        URI.create("https://impostor.example.test:" + port + "/hook"),
                        "secret",
                        "n2",
                        "{}".getBytes(StandardCharsets.UTF_8)));

        awaitCount("failed");
        assertThat(count("delivered")).isZero();
        assertThat(requestHeads).isEmpty();
    }
}
