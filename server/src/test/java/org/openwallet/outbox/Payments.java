package org.openwallet.outbox;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.openwallet.Api;
import org.openwallet.LedgerTestSupport;
import org.openwallet.ledger.Ledger;
import org.openwallet.platform.database.Transactions;

/**
 * Real payments through the API among a few funded users, from several threads at once, either a
 * fixed number or in the background until stopped. Every payment must be answered 201; the ids of
 * those posted are what the relay tests then look for in Kafka.
 */
final class Payments {
    /** Stops a background load that was never stopped, so a failing test cannot pay forever. */
    static final int MAX_BACKGROUND_PAYMENTS = 5_000;

    private static final long FUNDING_MINOR = 10_000_000;

    /** A posted transfer: its id, its sender (the event's key) and its receiver. */
    record Posted(String transferId, UUID fromUserId, UUID toUserId) {}

    private final Api api;
    private final List<Api.User> users;
    private final int threads;
    private final Random random = new Random(42);
    private final ConcurrentLinkedQueue<Posted> posted = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    private final AtomicInteger started = new AtomicInteger();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private ExecutorService background;
    private List<Future<?>> workers = List.of();

    private Payments(Api api, List<Api.User> users, int threads) {
        this.api = api;
        this.users = users;
        this.threads = threads;
    }

    /** Signs up {@code userCount} users, funds each, and pays among them from {@code threads} threads. */
    static Payments among(Api api, Transactions transactions, Ledger ledger, int userCount, int threads) {
        List<Api.User> users = new ArrayList<>();
        for (int i = 0; i < userCount; i++) {
            Api.User user = api.newUser();
            LedgerTestSupport.fund(transactions, ledger, user.id(), FUNDING_MINOR);
            users.add(user);
        }
        return new Payments(api, List.copyOf(users), threads);
    }

    List<Api.User> users() {
        return users;
    }

    /** Makes {@code count} payments and returns when all are answered. */
    List<Posted> make(int count) {
        AtomicInteger remaining = new AtomicInteger(count);
        List<Posted> made = Collections.synchronizedList(new ArrayList<>());
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            for (int t = 0; t < threads; t++) {
                pool.submit(() -> {
                    while (remaining.getAndDecrement() > 0) {
                        Posted one = payOnce();
                        if (one != null) {
                            made.add(one);
                        }
                    }
                });
            }
        }
        assertNoFailures();
        return List.copyOf(made);
    }

    /** Starts paying in the background until {@link #stop()}. */
    void start() {
        background = Executors.newFixedThreadPool(threads);
        List<Future<?>> submitted = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            submitted.add(background.submit(() -> {
                while (!stopping.get() && started.incrementAndGet() <= MAX_BACKGROUND_PAYMENTS) {
                    payOnce();
                }
            }));
        }
        workers = submitted;
    }

    /** How many background payments were posted so far. */
    int postedCount() {
        return posted.size();
    }

    /** Waits (bounded) until at least {@code count} background payments were posted. */
    void awaitPosted(int count, Duration timeout) {
        await(count + " background payments posted")
                .atMost(timeout)
                .pollInterval(Duration.ofMillis(20))
                .until(
                        () -> {
                            assertNoFailures();
                            return posted.size();
                        },
                        postedSoFar -> postedSoFar >= count);
    }

    /** Stops the background load; returns every payment it posted. */
    List<Posted> stop() {
        stopping.set(true);
        background.shutdown();
        try {
            if (!background.awaitTermination(60, TimeUnit.SECONDS)) {
                background.shutdownNow();
                throw new AssertionError("background payments did not stop within 60 s");
            }
            for (Future<?> worker : workers) {
                worker.get();
            }
        } catch (Exception failure) {
            throw new AssertionError("background payments failed", failure);
        }
        assertNoFailures();
        return List.copyOf(posted);
    }

    private Posted payOnce() {
        Api.User from;
        Api.User to;
        int cents;
        synchronized (random) {
            from = users.get(random.nextInt(users.size()));
            Api.User candidate = users.get(random.nextInt(users.size() - 1));
            to = candidate.equals(from) ? users.getLast() : candidate;
            cents = 100 + random.nextInt(1_900);
        }
        try {
            Api.Response response = api.pay(from, to, (cents / 100) + "." + String.format("%02d", cents % 100));
            if (response.status() != 201) {
                failures.add(response.status() + " " + response.body());
                return null;
            }
            Posted one = new Posted(response.json().get("id").asString(), from.id(), to.id());
            posted.add(one);
            return one;
        } catch (RuntimeException failure) {
            failures.add(failure.toString());
            return null;
        }
    }

    private void assertNoFailures() {
        if (!failures.isEmpty()) {
            throw new AssertionError(
                    "payments failed: " + failures.stream().limit(5).toList());
        }
    }
}
