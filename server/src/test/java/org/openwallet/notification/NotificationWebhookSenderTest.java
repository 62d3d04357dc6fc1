package org.openwallet.notification;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openwallet.Eventually;

/** The webhook sender against a real HTTP receiver: signatures, retries, give-ups, the bounded queue and the SSRF check at send time. */
class NotificationWebhookSenderTest {
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final String SECRET = "c2VjcmV0LXNpZ25pbmcta2V5";
    private static final Duration COUNTER_WAIT = Duration.ofSeconds(30);

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

    private WebhookSender sender(boolean allowPrivate, int threads, int queueCapacity, Duration requestTimeout) {
        sender = new WebhookSender(new NotificationProperties.Webhook(allowPrivate, threads, queueCapacity, Duration.ofSeconds(2), requestTimeout,
                3, Duration.ofMillis(50)), meters, Clock.fixed(NOW, ZoneOffset.UTC));
        return sender;
    }

    private WebhookSender sender() {
        return sender(true, 2, 10, Duration.ofSeconds(5));
    }

    private WebhookSender.Delivery delivery(String path, String notificationId) {
        return new WebhookSender.Delivery(URI.create(receiver.url(path)), SECRET, notificationId,
                ("{\"id\":\"" + notificationId + "\"}").getBytes(StandardCharsets.UTF_8));
    }

    private double count(String outcome) {
        Counter counter = meters.find(WebhookSender.METRIC).tag("outcome", outcome).counter();
        return counter == null ? 0 : counter.count();
    }

    private void awaitCount(String outcome, double expected) {
        long deadline = System.nanoTime() + COUNTER_WAIT.toNanos();
        while (count(outcome) < expected) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(outcome + " is " + count(outcome) + ", not " + expected + ", after " + COUNTER_WAIT.toSeconds() + " s");
            }
            Eventually.pause(Duration.ofMillis(10));
        }
    }

    @Test
    void signature_isHmacSha256OfTimestampDotBody_inHex() {
        // Expected value from: printf '%s' '1700000000.{"id":"n1"}' | openssl dgst -sha256 -hmac 'c2VjcmV0LXNpZ25pbmcta2V5'
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
        assertThat(WebhookReceiver.signatureValid(request.header("Wallet-Signature"), SECRET, request.body())).isTrue();
        assertThat(WebhookReceiver.signatureValid(request.header("Wallet-Signature"), SECRET + "x", request.body())).isFalse();
        awaitCount("delivered", 1);
    }

    @Test
    void serverErrors_areRetried_untilOneSucceeds() {
        String path = receiver.path("flaky", n -> n < 3 ? 503 : 204);

        sender().submit(delivery(path, "n2"));

        awaitCount("delivered", 1);
        List<WebhookReceiver.Request> requests = receiver.requests(path);
        assertThat(requests).hasSize(3);
        assertThat(requests).allSatisfy(request -> assertThat(request.header("Wallet-Notification-Id")).isEqualTo("n2"));
        assertThat(meters.counter(WebhookSender.METRIC + ".retries").count()).isEqualTo(2.0);
        assertThat(count("failed")).isZero();
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
        assertThat(receiver.requests(path)).extracting(request -> request.header("Wallet-Notification-Id")).containsExactly("in-flight", "queued");
    }

    @Test
    void privateDestination_isRefusedAtSendTime_whenNotAllowed() {
        String path = receiver.path("internal", n -> 204);

        sender(false, 1, 10, Duration.ofSeconds(5)).submit(delivery(path, "n6"));

        awaitCount("refused", 1);
        assertThat(receiver.requests(path)).isEmpty();
    }
}
