package org.openwallet.bank;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Delivers webhook events to the wallet: signed, retried with exponential backoff until a 2xx (or
 * {@code webhook_max_attempts}), and, when told to, twice each or out of order.
 *
 * <p>One thread makes every attempt, in due order, so when the receiver is healthy deliveries arrive
 * in exactly the order they were released; that is what makes the out-of-order mode's order a
 * deliberate choice rather than an accident of thread scheduling. The price is that a receiver that
 * hangs delays the others by up to {@code webhook_timeout_millis} per attempt, as a real sender with
 * one connection per endpoint would.
 *
 * <p>Pending deliveries live in memory: a restart of the simulator drops them.
 */
final class WebhookDispatcher implements Consumer<WebhookEvent>, AutoCloseable {
    static final String USER_AGENT = "openwallet-bank-simulator/0.1";
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private final Supplier<BankConfig> config;
    private final byte[] secret;
    private final InstantSource wallClock;
    private final RandomGenerator random;
    private final HttpClient client;
    private final DelayQueue<Delivery> queue = new DelayQueue<>();
    private final ScheduledExecutorService holdTimer;
    private final Thread sender;
    private final AtomicLong order = new AtomicLong();
    private final AtomicLong pending = new AtomicLong();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong failedAttempts = new AtomicLong();
    private final AtomicLong abandoned = new AtomicLong();
    /** Deliveries held back in out-of-order mode; guarded by this. */
    private final List<Delivery> held = new ArrayList<>();
    /** Counts released windows, so a hold timer set for an earlier window does not release a later one early; guarded by this. */
    private long window;

    private volatile boolean stopped;

    WebhookDispatcher(Supplier<BankConfig> config, byte[] secret, InstantSource wallClock, RandomGenerator random) {
        this.config = config;
        this.secret = secret.clone();
        this.wallClock = wallClock;
        this.random = random;
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        this.holdTimer = Executors.newSingleThreadScheduledExecutor(task -> daemon(task, "bank-webhook-hold"));
        this.sender = daemon(this::run, "bank-webhooks");
    }

    void start() {
        sender.start();
    }

    /** Queues {@code event} for delivery (twice in duplicate mode; held back in out-of-order mode). */
    @Override
    public void accept(WebhookEvent event) {
        BankConfig settings = config.get();
        byte[] body = Json.bytes(event.toJson());
        int copies = settings.duplicateWebhooks() ? 2 : 1;
        for (int copy = 0; copy < copies; copy++) {
            Delivery delivery = new Delivery(event, body);
            pending.incrementAndGet();
            if (settings.outOfOrder()) {
                hold(delivery, settings);
            } else {
                schedule(delivery, 0);
            }
        }
    }

    private synchronized void hold(Delivery delivery, BankConfig settings) {
        held.add(delivery);
        if (held.size() >= settings.outOfOrderWindow()) {
            releaseHeld();
        } else if (held.size() == 1) {
            long heldWindow = window;
            holdTimer.schedule(
                    () -> releaseHeld(heldWindow), settings.outOfOrderMaxHoldMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private synchronized void releaseHeld(long heldWindow) {
        if (window == heldWindow) {
            releaseHeld();
        }
    }

    /** Releases the held window in an order that is never the one it was held in. */
    private synchronized void releaseHeld() {
        if (held.isEmpty()) {
            return;
        }
        List<Delivery> batch = new ArrayList<>(held);
        held.clear();
        window++;
        shuffleOutOfOrder(batch, random);
        for (Delivery delivery : batch) {
            schedule(delivery, 0);
        }
    }

    /** Shuffles {@code items}; should the shuffle leave them as they were, rotates them by one, so two or more always change order. */
    static <T> void shuffleOutOfOrder(List<T> items, RandomGenerator random) {
        if (items.size() < 2) {
            return;
        }
        List<T> original = List.copyOf(items);
        Collections.shuffle(items, random);
        if (items.equals(original)) {
            Collections.rotate(items, 1);
        }
    }

    /** After a configuration change: leaving out-of-order mode releases what it held. */
    void configurationChanged() {
        if (!config.get().outOfOrder()) {
            releaseHeld();
        }
    }

    private void schedule(Delivery delivery, long delayMillis) {
        delivery.dueNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delayMillis);
        delivery.order = order.incrementAndGet();
        queue.add(delivery);
    }

    private void run() {
        while (!stopped) {
            Delivery delivery;
            try {
                delivery = queue.take();
            } catch (InterruptedException interrupted) {
                return;
            }
            attempt(delivery);
        }
    }

    private void attempt(Delivery delivery) {
        BankConfig settings = config.get();
        if (settings.webhookUrl() == null) {
            // No one to tell yet; not an attempt. The event waits until a URL is configured.
            schedule(delivery, settings.webhookRetryInitialMillis());
            return;
        }
        delivery.attempts++;
        long unixSeconds = wallClock.instant().getEpochSecond();
        HttpRequest request = HttpRequest.newBuilder(settings.webhookUrl())
                .timeout(Duration.ofMillis(settings.webhookTimeoutMillis()))
                .header("Content-Type", "application/json")
                .header("User-Agent", USER_AGENT)
                .header(WebhookSignature.HEADER, WebhookSignature.header(secret, unixSeconds, delivery.body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(delivery.body))
                .build();
        String outcome;
        try {
            int status =
                    client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
            if (status >= 200 && status < 300) {
                delivered.incrementAndGet();
                pending.decrementAndGet();
                return;
            }
            outcome = "HTTP " + status;
        } catch (IOException unreachable) {
            outcome = unreachable.toString();
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            stopped = true;
            return;
        }
        failedAttempts.incrementAndGet();
        if (delivery.attempts >= settings.webhookMaxAttempts()) {
            abandoned.incrementAndGet();
            pending.decrementAndGet();
            Log.warn("Gave up on " + delivery.event.type() + " " + delivery.event.eventId() + " for request "
                    + delivery.event.transfer().request().requestId() + " after " + delivery.attempts
                    + " attempts; the last: " + outcome);
            return;
        }
        long backoffMillis = backoffMillis(settings, delivery.attempts);
        Log.info("Webhook " + delivery.event.eventId() + " attempt " + delivery.attempts + " to "
                + settings.webhookUrl() + " failed (" + outcome + "); next in " + backoffMillis + " ms");
        schedule(delivery, backoffMillis);
    }

    /** The wait after {@code failedAttempts} failures: the initial wait, doubled after each further failure, capped. */
    static long backoffMillis(BankConfig settings, int failedAttempts) {
        int doublings = Math.min(Math.max(failedAttempts - 1, 0), 40);
        long wait = settings.webhookRetryInitialMillis();
        for (int doubling = 0; doubling < doublings && wait < settings.webhookRetryMaxMillis(); doubling++) {
            wait *= 2;
        }
        return Math.min(wait, settings.webhookRetryMaxMillis());
    }

    synchronized Map<String, Long> counts() {
        Map<String, Long> counts = new LinkedHashMap<>();
        counts.put("pending", pending.get());
        counts.put("held", (long) held.size());
        counts.put("delivered", delivered.get());
        counts.put("failed_attempts", failedAttempts.get());
        counts.put("abandoned", abandoned.get());
        return counts;
    }

    @Override
    public void close() {
        stopped = true;
        sender.interrupt();
        holdTimer.shutdownNow();
        client.shutdownNow();
    }

    private static Thread daemon(Runnable task, String name) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        return thread;
    }

    /** One copy of one event on its way; attempts and due time change as it is retried (by the sender thread only). */
    private static final class Delivery implements Delayed {
        private final WebhookEvent event;
        private final byte[] body;
        private int attempts;
        private long dueNanos;
        private long order;

        Delivery(WebhookEvent event, byte[] body) {
            this.event = event;
            this.body = body;
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(dueNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed other) {
            Delivery that = (Delivery) other;
            int byDue = Long.compare(dueNanos - that.dueNanos, 0);
            return byDue != 0 ? byDue : Long.compare(order, that.order);
        }
    }
}
