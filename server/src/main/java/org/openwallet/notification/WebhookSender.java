package org.openwallet.notification;

import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends signed webhook requests on a bounded pool of threads, with retries.
 *
 * <p>Each request is an HTTP POST of the JSON body with {@code Wallet-Notification-Id} (receivers
 * deduplicate on it: delivery is at least once) and {@code Wallet-Signature:
 * t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body" keyed with the secret's UTF-8 bytes>}. The
 * timestamp is part of what is signed, so a receiver can refuse old requests replayed at it; every
 * attempt is signed afresh for that reason.
 *
 * <p>A 2xx is delivered. A 5xx, a 429, a timeout or a connection failure is tried again after
 * {@code firstRetryDelay}, doubling, up to {@code maxAttempts} in all; anything else (a 4xx, a
 * redirect, which is never followed) fails at once. When the queue is full a new delivery is
 * dropped, not waited for: the caller is the event consumer, and the notification itself is stored.
 * Every end is counted in {@code wallet.notifications.webhook{outcome}}: delivered, failed,
 * refused (the destination is not public any more) or dropped.
 */
final class WebhookSender implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WebhookSender.class);
    static final String SIGNATURE_HEADER = "Wallet-Signature";
    static final String NOTIFICATION_ID_HEADER = "Wallet-Notification-Id";
    static final String METRIC = "wallet.notifications.webhook";
    private static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(5);

    private final NotificationProperties.Webhook settings;
    private final MeterRegistry meters;
    private final Clock clock;
    private final HttpClient http;
    private final ThreadPoolExecutor executor;

    WebhookSender(NotificationProperties.Webhook settings, MeterRegistry meters, Clock clock) {
        this.settings = settings;
        this.meters = meters;
        this.clock = clock;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(settings.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        AtomicInteger threadNumber = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(settings.threads(), settings.threads(), 1, TimeUnit.MINUTES,
                new ArrayBlockingQueue<>(settings.queueCapacity()),
                task -> Thread.ofPlatform().daemon().name("webhook-" + threadNumber.incrementAndGet()).unstarted(task),
                new ThreadPoolExecutor.AbortPolicy());
        this.executor.allowCoreThreadTimeOut(true);
    }

    /** One request to make: where, signed with what, and the exact body. */
    record Delivery(URI url, String secret, String notificationId, byte[] body) {
    }

    /** Queues {@code delivery} and returns at once; when the queue is full it is dropped and counted. */
    void submit(Delivery delivery) {
        try {
            executor.execute(() -> {
                try {
                    deliver(delivery);
                } catch (RuntimeException bug) {
                    // Nothing else would see it: the pool's threads have no caller to throw to.
                    count("failed");
                    log.error("Webhook for notification {} failed unexpectedly", delivery.notificationId(), bug);
                }
            });
        } catch (RejectedExecutionException full) {
            count("dropped");
            log.warn("Webhook queue is full ({} waiting): notification {} is not sent to its webhook", settings.queueCapacity(),
                    delivery.notificationId());
        }
    }

    private void deliver(Delivery delivery) {
        Duration delay = settings.firstRetryDelay();
        for (int attempt = 1; ; attempt++) {
            if (!settings.allowPrivateAddresses()) {
                Optional<String> refused = WebhookUrls.destinationRefusal(delivery.url());
                if (refused.isPresent()) {
                    count("refused");
                    log.warn("Webhook for notification {} refused: {}", delivery.notificationId(), refused.get());
                    return;
                }
            }
            Attempt result = attempt(delivery);
            if (result.verdict() == Verdict.DELIVERED) {
                count("delivered");
                return;
            }
            if (result.verdict() == Verdict.GIVE_UP || attempt >= settings.maxAttempts()) {
                count("failed");
                log.warn("Webhook for notification {} failed after {} attempt(s): {}", delivery.notificationId(), attempt, result.detail());
                return;
            }
            meters.counter(METRIC + ".retries").increment();
            try {
                Thread.sleep(delay);
            } catch (InterruptedException shuttingDown) {
                Thread.currentThread().interrupt();
                count("failed");
                log.warn("Webhook for notification {} abandoned at shutdown after {} attempt(s)", delivery.notificationId(), attempt);
                return;
            }
            delay = delay.multipliedBy(2);
        }
    }

    private enum Verdict { DELIVERED, TRY_AGAIN, GIVE_UP }

    private record Attempt(Verdict verdict, String detail) {
    }

    private Attempt attempt(Delivery delivery) {
        long timestamp = clock.instant().getEpochSecond();
        HttpRequest request = HttpRequest.newBuilder(delivery.url())
                .timeout(settings.requestTimeout())
                .header("Content-Type", "application/json")
                .header("User-Agent", "OpenWallet-Webhook/1")
                .header(NOTIFICATION_ID_HEADER, delivery.notificationId())
                .header(SIGNATURE_HEADER, signature(delivery.secret(), timestamp, delivery.body()))
                .POST(HttpRequest.BodyPublishers.ofByteArray(delivery.body()))
                .build();
        try {
            int status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
            if (status >= 200 && status < 300) {
                return new Attempt(Verdict.DELIVERED, "HTTP " + status);
            }
            return new Attempt(status >= 500 || status == 429 ? Verdict.TRY_AGAIN : Verdict.GIVE_UP, "HTTP " + status);
        } catch (IOException unreachable) {
            // Timeouts (HttpTimeoutException) and refused or reset connections: the receiver may be back shortly.
            return new Attempt(Verdict.TRY_AGAIN, unreachable.toString());
        } catch (InterruptedException shuttingDown) {
            Thread.currentThread().interrupt();
            return new Attempt(Verdict.GIVE_UP, "interrupted at shutdown");
        }
    }

    /** The {@code Wallet-Signature} header value for {@code body} sent at {@code timestamp} (unix seconds). */
    static String signature(String secret, long timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((timestamp + ".").getBytes(StandardCharsets.UTF_8));
            return "t=" + timestamp + ",v1=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (NoSuchAlgorithmException | InvalidKeyException impossible) {
            // Every Java runtime must provide HmacSHA256, and any non-empty key is valid for it.
            throw new IllegalStateException(impossible);
        }
    }

    private void count(String outcome) {
        meters.counter(METRIC, "outcome", outcome).increment();
    }

    /** Stops taking deliveries, lets those in flight finish for a moment, then interrupts the rest. */
    @Override
    public void close() {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(SHUTDOWN_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException interrupted) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
        http.close();
    }
}
