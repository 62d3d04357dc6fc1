package org.openwallet.notification;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.resilience4j.retry.RetryRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLSocketFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The webhook sender against a real HTTP receiver: signatures, retries, give-ups, the bounded queue and the SSRF check at send time. */
class NotificationWebhookSenderTest {
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final String SECRET = "c2VjcmV0LXNpZ25pbmcta2V5";
    private static final Duration COUNTER_WAIT = Duration.ofSeconds(30);
    private static final UUID USER = UUID.randomUUID();

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private WebhookReceiver receiver;
    private WebhookSender sender;

    @BeforeEach
    void startReceiver() throws Exception {
        receiver = new WebhookReceiver();
    }

    @AfterEach
    void stop() {
        if (sender != null) {
            sender.close();
        }
        receiver.close();
    }

    private static NotificationProperties.Webhook settings(
            boolean allowPrivate, int threads, int queueCapacity, int perUserLimit, Duration requestTimeout) {
        return new NotificationProperties.Webhook(
                allowPrivate,
                threads,
                queueCapacity,
                perUserLimit,
                Duration.ofSeconds(2),
                requestTimeout,
                3,
                Duration.ofMillis(50));
    }

    private WebhookSender sender(boolean allowPrivate, int threads, int queueCapacity, Duration requestTimeout) {
        sender = new WebhookSender(
                settings(allowPrivate, threads, queueCapacity, 20, requestTimeout),
                meters,
                Clock.fixed(NOW, ZoneOffset.UTC),
                RetryRegistry.ofDefaults());
        return sender;
    }

    private WebhookSender sender() {
        return sender(true, 2, 10, Duration.ofSeconds(5));
    }

    private WebhookSender.Delivery delivery(String path, String notificationId) {
        return new WebhookSender.Delivery(
                USER,
                URI.create(receiver.url(path)),
                SECRET,
                notificationId,
                ("{\"id\":\"" + notificationId + "\"}").getBytes(StandardCharsets.UTF_8));
    }

    private double count(String outcome) {
        Counter counter =
                meters.find(WebhookSender.METRIC).tag("outcome", outcome).counter();
        return counter == null ? 0 : counter.count();
    }

    private void awaitCount(String outcome, double expected) {
        await("the " + outcome + " counter reaching " + expected)
                .atMost(COUNTER_WAIT)
                .pollInterval(Duration.ofMillis(10))
                .until(() -> count(outcome), counted -> counted >= expected);
    }

    @Test
    void signature_isHmacSha256OfTimestampDotBody_inHex() {
        // Expected value from: printf '%s' '1700000000.{"id":"n1"}' | openssl dgst -sha256 -hmac
        // 'c2VjcmV0LXNpZ25pbmcta2V5'
        assertThat(WebhookSender.signature(SECRET, 1_700_000_000L, "{\"id\":\"n1\"}".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo("t=1700000000,v1=35675f84c916a08e9f9dde5f05b1ff6db215ccdb1c3232353ef03f43af1c8d26");
    }

    @Test
    void delivery_postsTheBodyWithSignatureAndNotificationIdHeaders() {
        String path = receiver.path("ok", n -> 200);

        sender().submit(delivery(path, "n1"));

        WebhookReceiver.Request request = receiver.await(path, 1).getFirst();
        assertThat(new String(request.body(), StandardCharsets.UTF_8)).isEqualTo("{\"id\":\"n1\"}");
        assertThat(request.header("Content-Type")).isEqualTo("application/json");
        assertThat(request.header("Wallet-Notification-Id")).isEqualTo("n1");
        assertThat(request.header("Wallet-Signature")).startsWith("t=" + NOW.getEpochSecond() + ",v1=");
        assertThat(WebhookReceiver.signatureValid(request.header("Wallet-Signature"), SECRET, request.body()))
                .isTrue();
        assertThat(WebhookReceiver.signatureValid(request.header("Wallet-Signature"), SECRET + "x", request.body()))
                .isFalse();
        awaitCount("delivered", 1);
    }

    @Test
    void serverErrors_areRetried_afterFirstRetryDelayThenDouble_untilOneSucceeds() {
        List<Long> arrivals = new CopyOnWriteArrayList<>();
        String path = receiver.path("flaky", n -> {
            arrivals.add(System.nanoTime());
            return n < 3 ? 503 : 204;
        });

        sender().submit(delivery(path, "n2"));

        awaitCount("delivered", 1);
        List<WebhookReceiver.Request> requests = receiver.requests(path);
        assertThat(requests).hasSize(3);
        assertThat(requests)
                .allSatisfy(request ->
                        assertThat(request.header("Wallet-Notification-Id")).isEqualTo("n2"));
        assertThat(meters.counter(WebhookSender.METRIC + ".retries").count()).isEqualTo(2.0);
        assertThat(count("failed")).isZero();
        // first-retry-delay is 50 ms here: 50 ms before the second attempt, 100 ms before the third.
        assertThat(Duration.ofNanos(arrivals.get(1) - arrivals.get(0))).isGreaterThanOrEqualTo(Duration.ofMillis(50));
        assertThat(Duration.ofNanos(arrivals.get(2) - arrivals.get(1))).isGreaterThanOrEqualTo(Duration.ofMillis(100));
    }

    @Test
    void serverErrorEveryTime_isTriedThreeTimes_thenCountedAsFailed() {
        String path = receiver.path("down", n -> 500);

        sender().submit(delivery(path, "n3"));

        awaitCount("failed", 1);
        assertThat(receiver.requests(path)).hasSize(3);
        assertThat(count("delivered")).isZero();
    }

    @Test
    void clientError_isNotRetried() {
        String path = receiver.path("gone", n -> 410);

        sender().submit(delivery(path, "n4"));

        awaitCount("failed", 1);
        assertThat(receiver.requests(path)).hasSize(1);
    }

    @Test
    void receiverSlowerThanTheRequestTimeout_isRetried() {
        String path = receiver.path("slow", n -> {
            if (n < 3) {
                Thread.sleep(1_000);
            }
            return 204;
        });

        sender(true, 2, 10, Duration.ofMillis(200)).submit(delivery(path, "n5"));

        awaitCount("delivered", 1);
        assertThat(receiver.requests(path)).hasSize(3);
    }

    @Test
    void fullQueue_dropsNewDeliveries_andCountsThem() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        String path = receiver.path("blocked", n -> {
            release.await(30, TimeUnit.SECONDS);
            return 204;
        });
        WebhookSender oneAtATime = sender(true, 1, 1, Duration.ofSeconds(10));

        oneAtATime.submit(delivery(path, "in-flight"));
        receiver.await(path, 1);
        oneAtATime.submit(delivery(path, "queued"));
        oneAtATime.submit(delivery(path, "dropped"));

        assertThat(count("dropped")).isEqualTo(1.0);
        release.countDown();
        awaitCount("delivered", 2);
        assertThat(receiver.requests(path))
                .extracting(request -> request.header("Wallet-Notification-Id"))
                .containsExactly("in-flight", "queued");
    }

    @Test
    void delivery_connectsToTheAddressItChecked_withTheUrlsHostInTheHostHeader() throws Exception {
        String path = receiver.path("pinned", n -> 204);
        int receiverPort = URI.create(receiver.url(path)).getPort();
        InetAddress checked = InetAddress.getByName("93.184.216.34");
        AtomicInteger lookups = new AtomicInteger();
        // After its first answer, this DNS rebinds the name to loopback: a second lookup would go there.
        WebhookUrls.Resolver rebinding = host -> lookups.incrementAndGet() == 1
                ? new InetAddress[] {checked}
                : new InetAddress[] {InetAddress.getLoopbackAddress()};
        List<InetSocketAddress> dialled = new CopyOnWriteArrayList<>();
        // The network of this test: whatever is dialled, the receiver on loopback answers.
        PinnedHttp.Connector network = (target, timeoutMillis) -> {
            dialled.add(target);
            Socket socket = new Socket();
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), receiverPort), timeoutMillis);
            return socket;
        };
        sender = new WebhookSender(
                settings(false, 2, 10, 20, Duration.ofSeconds(5)),
                meters,
                Clock.fixed(NOW, ZoneOffset.UTC),
                RetryRegistry.ofDefaults(),
                rebinding,
                new PinnedHttp(network, (SSLSocketFactory) SSLSocketFactory.getDefault()));

        sender.submit(new WebhookSender.Delivery(
                USER,
                URI.create("http://hooks.example.com:" + receiverPort + path + "?a=1"),
                SECRET,
                "n7",
                "{}".getBytes(StandardCharsets.UTF_8)));

        awaitCount("delivered", 1);
        assertThat(dialled).containsExactly(new InetSocketAddress(checked, receiverPort));
        assertThat(lookups).hasValue(1);
        WebhookReceiver.Request request = receiver.requests(path).getFirst();
        assertThat(request.header("Host")).isEqualTo("hooks.example.com:" + receiverPort);
        assertThat(WebhookReceiver.signatureValid(request.header("Wallet-Signature"), SECRET, request.body()))
                .isTrue();
    }

    @Test
    void destinationResolvingToLoopback_isRefused_withoutDialling() {
        List<InetSocketAddress> dialled = new CopyOnWriteArrayList<>();
        sender = new WebhookSender(
                settings(false, 1, 10, 20, Duration.ofSeconds(5)),
                meters,
                Clock.fixed(NOW, ZoneOffset.UTC),
                RetryRegistry.ofDefaults(),
                host -> new InetAddress[] {
                    InetAddress.getByName("93.184.216.34"), InetAddress.getByName("2002:7f00:1::1")
                },
                new PinnedHttp(
                        (target, timeoutMillis) -> {
                            dialled.add(target);
                            throw new java.net.ConnectException("not in this test");
                        },
                        (SSLSocketFactory) SSLSocketFactory.getDefault()));

        sender.submit(new WebhookSender.Delivery(
                USER, URI.create("https://hooks.example.com/hook"), SECRET, "n8", new byte[0]));

        awaitCount("refused", 1);
        assertThat(dialled).isEmpty();
    }

    @Test
    void oneUsersHangingEndpoint_isBoundedToItsLimit_whileAnotherUsersWebhooksArriveAtOnce() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        String hanging = receiver.path("hanging", n -> {
            release.await(60, TimeUnit.SECONDS);
            return 204;
        });
        String healthy = receiver.path("healthy", n -> 204);
        UUID slowUser = UUID.randomUUID();
        UUID otherUser = UUID.randomUUID();
        WebhookSender shared = sender = new WebhookSender(
                settings(true, 2, 100, 3, Duration.ofSeconds(60)),
                meters,
                Clock.fixed(NOW, ZoneOffset.UTC),
                RetryRegistry.ofDefaults());
        try {
            for (int i = 0; i < 10; i++) {
                shared.submit(new WebhookSender.Delivery(
                        slowUser, URI.create(receiver.url(hanging)), SECRET, "slow-" + i, new byte[0]));
            }
            receiver.await(hanging, 1);

            long started = System.nanoTime();
            for (int i = 0; i < 5; i++) {
                shared.submit(new WebhookSender.Delivery(
                        otherUser, URI.create(receiver.url(healthy)), SECRET, "other-" + i, new byte[0]));
                receiver.await(healthy, i + 1);
            }

            // Far sooner than the hanging request's 60 s timeout: the other user does not wait behind the slow one.
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
            assertThat(receiver.requests(healthy))
                    .extracting(request -> request.header("Wallet-Notification-Id"))
                    .containsExactly("other-0", "other-1", "other-2", "other-3", "other-4");
            // One in flight and two waiting: the limit of three; the other seven were dropped, one thread stayed free.
            assertThat(count("dropped_user_limit")).isEqualTo(7.0);
            assertThat(receiver.requests(hanging)).hasSize(1);
        } finally {
            release.countDown();
        }
        awaitCount("delivered", 8);
        assertThat(receiver.requests(hanging))
                .extracting(request -> request.header("Wallet-Notification-Id"))
                .containsExactly("slow-0", "slow-1", "slow-2");
    }

    @Test
    void privateDestination_isRefusedAtSendTime_whenNotAllowed() {
        String path = receiver.path("internal", n -> 204);

        sender(false, 1, 10, Duration.ofSeconds(5)).submit(delivery(path, "n6"));

        awaitCount("refused", 1);
        assertThat(receiver.requests(path)).isEmpty();
    }
}
