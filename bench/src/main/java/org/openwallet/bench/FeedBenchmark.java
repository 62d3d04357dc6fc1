package org.openwallet.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.Histogram;
import org.openwallet.bench.BenchWallet.User;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import tools.jackson.databind.JsonNode;

/**
 * {@code ./wallet bench-feed [--users N] [--friends N] [--transfers N] [--rate N] [--reads N]}: the
 * feed's lag and page latency on a throwaway wallet with every real component (embedded PostgreSQL,
 * Redis, Kafka with Debezium, Cassandra), all roles in one process, all on this machine.
 *
 * <ol>
 *   <li>Signs up the users over HTTP, funds them, and makes each befriend {@code --friends} others.</li>
 *   <li><b>Feed lag.</b> Sends {@code --transfers} payments over HTTP at a fixed {@code --rate}
 *       (visibility: half friends, a third public, the rest private) and takes, for each, the time
 *       from its ledger commit to all its feed rows being written: the wallet's
 *       {@code wallet.feed.lag} timer, read from its Prometheus endpoint before and after, with
 *       histogram buckets 5 % apart that this benchmark asks for ({@link TimerBuckets}).</li>
 *   <li><b>Page latency.</b> Reads {@code --reads} first pages of 20 items of random users' social
 *       feeds over HTTP, and the second page after each, from 4 concurrent readers.</li>
 * </ol>
 * Rate limits and fraud rules stay in the path, with bounds this load never reaches.
 *
 * <p>This is the {@code bench-feed} command of {@link Benchmarks}' picocli command line: its options
 * are the annotated fields, and {@link #validate} applies what their types cannot say (bounds,
 * friends below users, the Spring settings) before anything starts.
 */
@Command(
        name = "bench-feed",
        header = "The feed's lag and page latency on a throwaway wallet.",
        synopsisHeading = "usage: ",
        customSynopsis = "./wallet bench-feed [options] [--spring.property=value ...]",
        description = {
            "  The feed's lag (a payment's ledger commit to all its feed rows written) and page latency (first and",
            "  second pages of 20 over HTTP, 4 readers) on a throwaway wallet with every real component, everything",
            "  embedded. The payments go at a fixed rate, visibility half friends, a third public, the rest private."
        },
        optionListHeading = "%n",
        footer = "      --x.y=z             any other wallet setting, as for ./wallet run",
        sortOptions = false,
        usageHelpWidth = Benchmarks.USAGE_WIDTH)
public final class FeedBenchmark extends BenchmarkCommand {
    /** What each user is funded with: more than any run of this benchmark spends. */
    private static final long FUNDING_MINOR = 100_000_000L;

    private static final int WARM_UP_TRANSFERS = 300;
    private static final int READERS = 4;
    /** The feed's lag timer, as the wallet registers it and as Prometheus names it. */
    static final String LAG_TIMER = "wallet.feed.lag";

    static final String LAG_TIMER_PROMETHEUS = "wallet_feed_lag_seconds";

    static final int DEFAULT_USERS = 200;
    static final int MAX_USERS = 100_000;
    static final int DEFAULT_FRIENDS = 10;
    static final int MAX_FRIENDS = 5_000;
    static final int DEFAULT_TRANSFERS = 5_000;
    static final int MAX_TRANSFERS = 10_000_000;
    static final int DEFAULT_RATE = 200;
    static final int MAX_RATE = 100_000;
    static final int DEFAULT_READS = 2_000;
    static final int MAX_READS = 10_000_000;

    @Option(
            names = "--users",
            paramLabel = "N",
            description = "users signed up and funded (default " + DEFAULT_USERS + ")")
    private int users = DEFAULT_USERS;

    @Option(
            names = "--friends",
            paramLabel = "N",
            description = "friends each user has, below --users (default " + DEFAULT_FRIENDS + ")")
    private int friends = DEFAULT_FRIENDS;

    @Option(
            names = "--transfers",
            paramLabel = "N",
            description = "payments measured (default " + DEFAULT_TRANSFERS + ")")
    private int transfers = DEFAULT_TRANSFERS;

    @Option(
            names = "--rate",
            paramLabel = "PER_SECOND",
            description = "payments per second (default " + DEFAULT_RATE + ")")
    private int rate = DEFAULT_RATE;

    @Option(
            names = "--reads",
            paramLabel = "N",
            description = "first feed pages read, each with the page after it (default " + DEFAULT_READS + ")")
    private int reads = DEFAULT_READS;

    /** The command, which starts {@code applicationClass} (the wallet's) as its throwaway wallet. */
    FeedBenchmark(Class<?> applicationClass) {
        super(applicationClass);
    }

    @Override
    void validate(CommandLine commandLine) {
        requireBetween(commandLine, "--users", users, 2, MAX_USERS);
        requireBetween(commandLine, "--friends", friends, 0, MAX_FRIENDS);
        requireBetween(commandLine, "--transfers", transfers, 1, MAX_TRANSFERS);
        requireBetween(commandLine, "--rate", rate, 1, MAX_RATE);
        requireBetween(commandLine, "--reads", reads, 1, MAX_READS);
        if (friends >= users) {
            throw new ParameterException(commandLine, "--friends must be below --users");
        }
    }

    int users() {
        return users;
    }

    int friends() {
        return friends;
    }

    int transfers() {
        return transfers;
    }

    int rate() {
        return rate;
    }

    int reads() {
        return reads;
    }

    @Override
    int run() {
        List<String> springArgs = new ArrayList<>();
        // Histogram buckets for the lag timer, so its percentiles can be read from the scrape; a caller's settings
        // still win.
        springArgs.add("--management.metrics.distribution.slo[" + LAG_TIMER + "]=" + TimerBuckets.boundariesMicros());
        springArgs.addAll(springArgs());
        try (BenchWallet wallet = BenchWallet.start("bench-feed", applicationClass, springArgs)) {
            return new Run(wallet, this).measure() ? 0 : 1;
        } catch (Exception failure) {
            System.err.println("bench-feed: failed: " + failure);
            return 1;
        }
    }

    private static final class Run {
        private final BenchWallet wallet;
        private final FeedBenchmark options;

        Run(BenchWallet wallet, FeedBenchmark options) {
            this.wallet = wallet;
            this.options = options;
        }

        boolean measure() throws Exception {
            long setUpStart = System.nanoTime();
            List<User> users = wallet.signUp(options.users());
            wallet.fund(users, FUNDING_MINOR);
            befriend(users);
            System.out.printf(
                    Locale.ROOT,
                    "bench-feed: %d users, %d friends each asked, set up in %.1f s%n",
                    users.size(),
                    options.friends(),
                    (System.nanoTime() - setUpStart) / 1e9);

            ManagementEndpoint management = ManagementEndpoint.of(wallet.context());
            long before = management.timer(LAG_TIMER_PROMETHEUS).count();
            int warmUp = pay(users, WARM_UP_TRANSFERS, options.rate());
            // Every warm-up payment is in the feed before the measured ones start.
            TimerBuckets warmedUp = management.timer(LAG_TIMER_PROMETHEUS);
            for (long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                    warmedUp.count() - before < warmUp && System.nanoTime() < until; ) {
                Thread.sleep(100);
                warmedUp = management.timer(LAG_TIMER_PROMETHEUS);
            }
            long start = System.nanoTime();
            int sent = pay(users, options.transfers(), options.rate());
            double seconds = (System.nanoTime() - start) / 1e9;
            TimerBuckets lags = management.timer(LAG_TIMER_PROMETHEUS).minus(warmedUp);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (lags.count() < sent && System.nanoTime() < deadline) {
                Thread.sleep(200);
                lags = management.timer(LAG_TIMER_PROMETHEUS).minus(warmedUp);
            }
            System.out.printf(
                    Locale.ROOT,
                    "bench-feed: %d payments in %.1f s (%.0f/s offered at %d/s); errors %s%n",
                    sent,
                    seconds,
                    sent / seconds,
                    options.rate(),
                    wallet.errors());
            System.out.printf(
                    Locale.ROOT,
                    "bench-feed: feed lag (ledger commit -> readable in every timeline), %d payments: p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                    lags.count(),
                    lags.percentileMillis(0.50),
                    lags.percentileMillis(0.99),
                    lags.maxMillis());

            Histogram pages = readPages(users);
            System.out.printf(
                    Locale.ROOT,
                    "bench-feed: feed page of 20 over HTTP, %d reads (first and second pages, %d readers): p50 %.2f ms, p99 %.2f ms%n",
                    pages.getTotalCount(),
                    READERS,
                    pages.getValueAtPercentile(50) / 1e3,
                    pages.getValueAtPercentile(99) / 1e3);
            return lags.count() >= sent && wallet.errors().isEmpty();
        }

        private void befriend(List<User> users) throws Exception {
            try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
                List<Future<?>> futures = new ArrayList<>();
                for (int i = 0; i < users.size(); i++) {
                    User asking = users.get(i);
                    for (int k = 1; k <= options.friends() / 2 + options.friends() % 2; k++) {
                        User asked = users.get((i + k) % users.size());
                        futures.add(pool.submit(() -> {
                            JsonNode request = wallet.call(
                                    "POST",
                                    "/v1/friends/requests",
                                    asking.token(),
                                    Map.of("to_handle", asked.handle()),
                                    -1);
                            if (request != null
                                    && request.get("status").asString().equals("pending")) {
                                wallet.call(
                                        "POST",
                                        "/v1/friends/requests/"
                                                + request.get("id").asString() + "/accept",
                                        asked.token(),
                                        Map.of(),
                                        200);
                            }
                            return null;
                        }));
                    }
                }
                for (Future<?> future : futures) {
                    future.get();
                }
            }
        }

        /** Sends {@code count} payments at {@code rate} per second; returns how many were posted. */
        private int pay(List<User> users, int count, int rate) throws Exception {
            AtomicInteger posted = new AtomicInteger();
            long intervalNanos = TimeUnit.SECONDS.toNanos(1) / rate;
            long start = System.nanoTime();
            String[] visibilities = {"friends", "friends", "friends", "public", "public", "private"};
            try (ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < count; i++) {
                    long due = start + i * intervalNanos;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    User from = users.get(random.nextInt(users.size()));
                    User to = users.get(random.nextInt(users.size()));
                    if (to.equals(from)) {
                        to = users.get((users.indexOf(from) + 1) % users.size());
                    }
                    User recipient = to;
                    String visibility = visibilities[random.nextInt(visibilities.length)];
                    senders.submit(() -> {
                        if (wallet.call(
                                        "POST",
                                        "/v1/transfers",
                                        from.token(),
                                        Map.of(
                                                "to_handle",
                                                recipient.handle(),
                                                "amount",
                                                "1.00",
                                                "currency",
                                                "USD",
                                                "visibility",
                                                visibility,
                                                "note",
                                                "bench"),
                                        201)
                                != null) {
                            posted.incrementAndGet();
                        }
                        return null;
                    });
                }
            }
            return posted.get();
        }

        private Histogram readPages(List<User> users) throws Exception {
            Histogram latencies = new Histogram(3);
            AtomicInteger remaining = new AtomicInteger(options.reads());
            try (ExecutorService pool = Executors.newFixedThreadPool(READERS)) {
                List<Future<Histogram>> readers = new ArrayList<>();
                for (int r = 0; r < READERS; r++) {
                    readers.add(pool.submit(() -> {
                        Histogram mine = new Histogram(3);
                        while (remaining.getAndDecrement() > 0) {
                            User reader = users.get(ThreadLocalRandom.current().nextInt(users.size()));
                            long begin = System.nanoTime();
                            JsonNode first = wallet.call("GET", "/v1/feed?limit=20", reader.token(), null, 200);
                            mine.recordValue((System.nanoTime() - begin) / 1_000);
                            JsonNode next = first == null ? null : first.get("next_cursor");
                            if (next != null) {
                                begin = System.nanoTime();
                                wallet.call(
                                        "GET",
                                        "/v1/feed?limit=20&cursor=" + next.asString(),
                                        reader.token(),
                                        null,
                                        200);
                                mine.recordValue((System.nanoTime() - begin) / 1_000);
                            }
                        }
                        return mine;
                    }));
                }
                for (Future<Histogram> reader : readers) {
                    latencies.add(reader.get());
                }
            }
            return latencies;
        }
    }
}
