package org.openwallet.notification;

import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.github.resilience4j.retry.RetryRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.ssl.SSLSocketFactory;
import org.openwallet.platform.crypto.Signer;
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
 * {@code firstRetryDelay}, doubling, up to {@code maxAttempts} in all (the Resilience4j policy
 * {@code webhook}); anything else (a 4xx, a redirect, which is never followed) fails at once. Every attempt resolves the host once, checks
 * every address and connects to the checked one ({@link WebhookUrls#destination}, {@link PinnedHttp}).
 *
 * <p>Each user's deliveries form a lane: they are sent one at a time, in order, and a lane goes to
 * the back of the shared queue after each delivery, so threads are shared round-robin between the
 * users who have something to send. One user's endpoint that hangs holds one thread, not all of
 * them, and at most {@code perUserLimit} of that user's deliveries wait or run; beyond it the
 * user's new ones are dropped (logged once per episode, counted every time), while other users'
 * keep flowing. When the shared queue ({@code queueCapacity} waiting deliveries) is full a new
 * delivery is dropped, not waited for: the caller is the event consumer, and the notification
 * itself is stored. Every end is counted in {@code wallet.notifications.webhook{outcome}}:
 * delivered, failed, refused (the destination is not public any more), dropped (queue full) or
 * dropped_user_limit.
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
    private final WebhookUrls.Resolver resolver;
    private final PinnedHttp http;
    private final Retry retry;
    private final ThreadPoolExecutor executor;
    private final ReentrantLock lock = new ReentrantLock();
    /** The lanes of users with deliveries waiting or in flight; guarded by {@link #lock}. */
    private final Map<UUID, Lane> lanes = new HashMap<>();
    /** Deliveries waiting in all lanes, in-flight ones not included; guarded by {@link #lock}. */
    private int waiting;

    WebhookSender(NotificationProperties.Webhook settings, MeterRegistry meters, Clock clock, RetryRegistry retries) {
        this(
                settings,
                meters,
                clock,
                retries,
                WebhookUrls.Resolver.SYSTEM,
                new PinnedHttp(PinnedHttp.Connector.DIRECT, (SSLSocketFactory) SSLSocketFactory.getDefault()));
    }

    WebhookSender(
            NotificationProperties.Webhook settings,
            MeterRegistry meters,
            Clock clock,
            RetryRegistry retries,
            WebhookUrls.Resolver resolver,
            PinnedHttp http) {
        this.settings = settings;
        this.meters = meters;
        this.clock = clock;
        this.resolver = resolver;
        this.http = http;
        long firstRetryMillis = settings.firstRetryDelay().toMillis();
        this.retry = retries.retry(
                "webhook",
                RetryConfig.<Attempt>custom()
                        .maxAttempts(settings.maxAttempts())
                        .retryOnResult(attempt -> attempt.verdict() == Verdict.TRY_AGAIN)
                        // Doubling from firstRetryDelay, which may be zero (Resilience4j's own exponential back-off
                        // starts at 1 ms).
                        .intervalFunction(failedAttempts -> (long) (firstRetryMillis * Math.pow(2, failedAttempts - 1)))
                        .build());
        retry.getEventPublisher()
                .onRetry(event -> meters.counter(METRIC + ".retries").increment());
        AtomicInteger threadNumber = new AtomicInteger();
        // The executor's queue holds one task per lane with waiting deliveries, so never more than queueCapacity.
        this.executor = new ThreadPoolExecutor(
                settings.threads(),
                settings.threads(),
                1,
                TimeUnit.MINUTES,
                new ArrayBlockingQueue<>(settings.queueCapacity()),
                task -> Thread.ofPlatform()
                        .daemon()
                        .name("webhook-" + threadNumber.incrementAndGet())
                        .unstarted(task),
                new ThreadPoolExecutor.AbortPolicy());
        this.executor.allowCoreThreadTimeOut(true);
    }

    /** One request to make: for whom (the lane it waits in), where, signed with what, and the exact body. */
    record Delivery(UUID userId, URI url, String secret, String notificationId, byte[] body) {}

    /** One user's deliveries, sent one at a time; every field is guarded by {@link #lock}. */
    private static final class Lane {
        final UUID userId;
        final ArrayDeque<Delivery> waiting = new ArrayDeque<>();
        /** A task for this lane is queued in the executor or running. */
        boolean scheduled;

        boolean inFlight;
        /** The lane reached its limit and that was logged; cleared once it is below the limit again. */
        boolean overLimit;

        Lane(UUID userId) {
            this.userId = userId;
        }

        int held() {
            return waiting.size() + (inFlight ? 1 : 0);
        }
    }

    private enum Admission {
        QUEUED,
        SCHEDULE,
        QUEUE_FULL,
        OVER_USER_LIMIT,
        OVER_USER_LIMIT_FIRST
    }

    /** Queues {@code delivery} in its user's lane and returns at once; over a bound it is dropped and counted. */
    void submit(Delivery delivery) {
        Admission admission;
        Lane lane = null;
        lock.lock();
        try {
            if (waiting >= settings.queueCapacity()) {
                admission = Admission.QUEUE_FULL;
            } else {
                lane = lanes.computeIfAbsent(delivery.userId(), Lane::new);
                if (lane.held() >= settings.perUserLimit()) {
                    admission = lane.overLimit ? Admission.OVER_USER_LIMIT : Admission.OVER_USER_LIMIT_FIRST;
                    lane.overLimit = true;
                } else {
                    lane.waiting.add(delivery);
                    waiting++;
                    admission = lane.scheduled ? Admission.QUEUED : Admission.SCHEDULE;
                    lane.scheduled = true;
                }
            }
        } finally {
            lock.unlock();
        }
        switch (admission) {
            case QUEUED -> {}
            case SCHEDULE -> schedule(lane);
            case QUEUE_FULL -> {
                count("dropped");
                log.warn(
                        "Webhook queue is full ({} waiting): notification {} is not sent to its webhook",
                        settings.queueCapacity(),
                        delivery.notificationId());
            }
            case OVER_USER_LIMIT_FIRST -> {
                count("dropped_user_limit");
                log.warn(
                        "Webhooks of user {} reached their limit of {} waiting or in flight (the endpoint is slow or down): "
                                + "notification {} and the user's further ones are not sent to the webhook until it catches up",
                        delivery.userId(),
                        settings.perUserLimit(),
                        delivery.notificationId());
            }
            case OVER_USER_LIMIT -> {
                count("dropped_user_limit");
                log.debug(
                        "Webhooks of user {} still over their limit: notification {} is not sent",
                        delivery.userId(),
                        delivery.notificationId());
            }
        }
    }

    /** Puts the lane's next delivery at the back of the shared queue: lanes take turns. */
    private void schedule(Lane lane) {
        try {
            executor.execute(() -> sendNext(lane));
        } catch (RejectedExecutionException shutDown) {
            // Only after close(): the queue itself cannot overflow (one task per lane, lanes hold at most queueCapacity
            // waiting).
            int abandoned;
            lock.lock();
            try {
                abandoned = lane.waiting.size();
                waiting -= abandoned;
                lane.waiting.clear();
                lane.scheduled = false;
                lanes.remove(lane.userId, lane);
            } finally {
                lock.unlock();
            }
            meters.counter(METRIC, "outcome", "dropped").increment(abandoned);
            log.warn("Webhook sender is shut down: {} webhook(s) of user {} are not sent", abandoned, lane.userId);
        }
    }

    private void sendNext(Lane lane) {
        Delivery delivery;
        lock.lock();
        try {
            delivery = lane.waiting.poll();
            waiting--;
            lane.inFlight = true;
        } finally {
            lock.unlock();
        }
        try {
            deliver(delivery);
        } catch (RuntimeException bug) {
            // Nothing else would see it: the pool's threads have no caller to throw to.
            count("failed");
            log.error("Webhook for notification {} failed unexpectedly", delivery.notificationId(), bug);
        } finally {
            boolean more;
            lock.lock();
            try {
                lane.inFlight = false;
                if (lane.held() < settings.perUserLimit()) {
                    lane.overLimit = false;
                }
                more = !lane.waiting.isEmpty();
                if (!more) {
                    lane.scheduled = false;
                    lanes.remove(lane.userId, lane);
                }
            } finally {
                lock.unlock();
            }
            if (more) {
                schedule(lane);
            }
        }
    }

    private void deliver(Delivery delivery) {
        AtomicInteger tries = new AtomicInteger();
        Attempt last;
        try {
            last = retry.executeSupplier(() -> {
                tries.incrementAndGet();
                return attempt(delivery);
            });
        } catch (CancellationException shuttingDown) {
            count("failed");
            log.warn(
                    "Webhook for notification {} abandoned at shutdown after {} attempt(s)",
                    delivery.notificationId(),
                    tries.get());
            return;
        }
        switch (last.verdict()) {
            case DELIVERED -> count("delivered");
            case REFUSED -> {
                count("refused");
                log.warn("Webhook for notification {} refused: {}", delivery.notificationId(), last.detail());
            }
            case GIVE_UP, TRY_AGAIN -> {
                count("failed");
                log.warn(
                        "Webhook for notification {} failed after {} attempt(s): {}",
                        delivery.notificationId(),
                        tries.get(),
                        last.detail());
            }
        }
    }

    /** REFUSED: the destination is not a public address (any more); TRY_AGAIN is the only verdict retried. */
    private enum Verdict {
        DELIVERED,
        REFUSED,
        TRY_AGAIN,
        GIVE_UP
    }

    private record Attempt(Verdict verdict, String detail) {}

    /** One try: resolves and checks the destination afresh, then sends to the checked address. */
    private Attempt attempt(Delivery delivery) {
        InetAddress address;
        switch (WebhookUrls.destination(delivery.url(), settings.allowPrivateAddresses(), resolver)) {
            case WebhookUrls.Destination.Refused refused -> {
                return new Attempt(Verdict.REFUSED, refused.reason());
            }
            case WebhookUrls.Destination.Checked checked -> address = checked.address();
        }
        long timestamp = clock.instant().getEpochSecond();
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("User-Agent", "OpenWallet-Webhook/1");
        headers.put(NOTIFICATION_ID_HEADER, delivery.notificationId());
        headers.put(SIGNATURE_HEADER, signature(delivery.secret(), timestamp, delivery.body()));
        try {
            int status = http.post(
                    delivery.url(),
                    address,
                    headers,
                    delivery.body(),
                    settings.connectTimeout(),
                    settings.requestTimeout());
            if (status >= 200 && status < 300) {
                return new Attempt(Verdict.DELIVERED, "HTTP " + status);
            }
            return new Attempt(status >= 500 || status == 429 ? Verdict.TRY_AGAIN : Verdict.GIVE_UP, "HTTP " + status);
        } catch (IOException unreachable) {
            // Timeouts and refused or reset connections, failed TLS handshakes: the receiver may be back shortly.
            return new Attempt(Verdict.TRY_AGAIN, unreachable.toString());
        }
    }

    /** The {@code Wallet-Signature} header value for {@code body} sent at {@code timestamp} (unix seconds). */
    static String signature(String secret, long timestamp, byte[] body) {
        byte[] tag = new Signer(secret.getBytes(StandardCharsets.UTF_8))
                .sign((timestamp + ".").getBytes(StandardCharsets.UTF_8), body);
        return "t=" + timestamp + ",v1=" + HexFormat.of().formatHex(tag);
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
    }
}
