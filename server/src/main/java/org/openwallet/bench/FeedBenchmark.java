package org.openwallet.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.Histogram;
import org.openwallet.feed.FeedLag;
import org.openwallet.ledger.Ledger;
import org.openwallet.ledger.TransferCommand;
import org.openwallet.platform.Transactions;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.util.FileSystemUtils;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code ./wallet bench-feed [--users N] [--friends N] [--transfers N] [--rate N] [--reads N]}: the
 * feed's lag and page latency on a throwaway wallet with every real component (embedded PostgreSQL,
 * Redis, Kafka with Debezium, Cassandra), all roles in one process, all on this machine.
 *
 * <ol>
 *   <li>Signs up the users over HTTP, funds them, and makes each befriend {@code --friends} others.</li>
 *   <li><b>Feed lag.</b> Sends {@code --transfers} payments over HTTP at a fixed {@code --rate}
 *       (visibility: half friends, a third public, the rest private) and takes, for each, the time
 *       from its ledger commit to all its feed rows being written ({@link FeedLag}).</li>
 *   <li><b>Page latency.</b> Reads {@code --reads} first pages of 20 items of random users' social
 *       feeds over HTTP, and the second page after each, from 4 concurrent readers.</li>
 * </ol>
 * Rate limits and fraud rules stay in the path, with bounds this load never reaches.
 */
public final class FeedBenchmark {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String PASSWORD = "bench-password-1";
    private static final int WARM_UP_TRANSFERS = 300;
    private static final int READERS = 4;

    private FeedBenchmark() {
    }

    record Options(int users, int friends, int transfers, int rate, int reads, List<String> springArgs) {
        static Options parse(String[] args) {
            int users = 200;
            int friends = 10;
            int transfers = 5_000;
            int rate = 200;
            int reads = 2_000;
            List<String> rest = new ArrayList<>();
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--users" -> users = number(args, ++i, 2, 100_000);
                    case "--friends" -> friends = number(args, ++i, 0, 5_000);
                    case "--transfers" -> transfers = number(args, ++i, 1, 10_000_000);
                    case "--rate" -> rate = number(args, ++i, 1, 100_000);
                    case "--reads" -> reads = number(args, ++i, 1, 10_000_000);
                    default -> {
                        if (!args[i].startsWith("--") || !args[i].contains("=")) {
                            throw new IllegalArgumentException("unknown argument " + args[i]);
                        }
                        rest.add(args[i]);
                    }
                }
            }
            if (friends >= users) {
                throw new IllegalArgumentException("--friends must be below --users");
            }
            return new Options(users, friends, transfers, rate, reads, List.copyOf(rest));
        }

        private static int number(String[] args, int index, int min, int max) {
            if (index >= args.length) {
                throw new IllegalArgumentException(args[index - 1] + " needs a number");
            }
            try {
                int value = Integer.parseInt(args[index]);
                if (value < min || value > max) {
                    throw new IllegalArgumentException(args[index - 1] + " must be between " + min + " and " + max);
                }
                return value;
            } catch (NumberFormatException notNumber) {
                throw new IllegalArgumentException(args[index - 1] + " must be a number, not " + args[index]);
            }
        }
    }

    public static int run(Class<?> applicationClass, String[] args) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException invalid) {
            System.err.println("bench-feed: " + invalid.getMessage());
            System.err.println("usage: bench-feed [--users N (default 200)] [--friends N (10)] [--transfers N (5000)] [--rate PER_SECOND (200)]"
                    + " [--reads N (2000)] [--spring.property=value ...]");
            return 2;
        }
        Path dataDir;
        try {
            dataDir = Files.createTempDirectory("wallet-bench-feed-");
        } catch (IOException failure) {
            System.err.println("bench-feed: cannot create a temporary data directory: " + failure.getMessage());
            return 1;
        }
        SpringApplication application = new SpringApplication(applicationClass);
        application.setDefaultProperties(Map.of("logging.level.root", "WARN",
                "springdoc.api-docs.enabled", "false", "springdoc.swagger-ui.enabled", "false"));
        List<String> springArgs = new ArrayList<>(List.of(
                "--wallet.data-dir=" + dataDir,
                "--wallet.database.url=",
                "--wallet.redis.url=",
                "--wallet.redis.cluster-nodes=",
                "--wallet.kafka.bootstrap-servers=",
                "--wallet.cassandra.contact-points=",
                "--wallet.roles=api,relay,consumers,feed",
                "--wallet.demo.enabled=false",
                "--server.port=0",
                "--server.address=127.0.0.1",
                "--wallet.rate-limits.limits.transfer-per-user.capacity=100000000",
                "--wallet.rate-limits.limits.transfer-per-ip.capacity=100000000",
                "--wallet.rate-limits.limits.login-per-ip.capacity=100000000",
                "--wallet.fraud.velocity-max-count=100000000",
                "--wallet.fraud.velocity-max-amount=100000000000.00",
                "--wallet.fraud.weekly-limit-unverified=100000000000.00",
                "--wallet.fraud.new-recipient-large-amount=100000000000.00",
                "--wallet.fraud.new-ip-large-amount=100000000000.00"));
        springArgs.addAll(options.springArgs());
        System.out.println("bench-feed: starting a throwaway wallet (all roles; embedded PostgreSQL, Redis, Kafka, Cassandra) in " + dataDir);
        try (ConfigurableApplicationContext context = application.run(springArgs.toArray(String[]::new))) {
            String base = "http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port");
            return new Run(base, context, options).measure() ? 0 : 1;
        } catch (Exception failure) {
            System.err.println("bench-feed: failed: " + failure);
            return 1;
        } finally {
            FileSystemUtils.deleteRecursively(dataDir.toFile());
        }
    }

    private record User(UUID id, String handle, String token) {
    }

    private static final class Run {
        private final String base;
        private final ConfigurableApplicationContext context;
        private final Options options;
        private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        private final Map<String, AtomicInteger> errors = new ConcurrentHashMap<>();

        Run(String base, ConfigurableApplicationContext context, Options options) {
            this.base = base;
            this.context = context;
            this.options = options;
        }

        boolean measure() throws Exception {
            long setUpStart = System.nanoTime();
            List<User> users = signUp();
            fund(users);
            befriend(users);
            System.out.printf(Locale.ROOT, "bench-feed: %d users, %d friends each asked, set up in %.1f s%n",
                    users.size(), options.friends(), (System.nanoTime() - setUpStart) / 1e9);

            FeedLag lag = context.getBean(FeedLag.class);
            int warmUp = pay(users, WARM_UP_TRANSFERS, options.rate());
            // Every warm-up payment is in the feed before the measured ones start.
            long warmUpApplied = 0;
            for (long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60); warmUpApplied < warmUp && System.nanoTime() < until; ) {
                Thread.sleep(100);
                warmUpApplied += lag.takeInterval().getTotalCount();
            }
            long start = System.nanoTime();
            int sent = pay(users, options.transfers(), options.rate());
            double seconds = (System.nanoTime() - start) / 1e9;
            Histogram lags = new Histogram(3);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (lags.getTotalCount() < sent && System.nanoTime() < deadline) {
                Thread.sleep(200);
                lags.add(lag.takeInterval());
            }
            System.out.printf(Locale.ROOT, "bench-feed: %d payments in %.1f s (%.0f/s offered at %d/s); errors %s%n",
                    sent, seconds, sent / seconds, options.rate(), errors);
            System.out.printf(Locale.ROOT, "bench-feed: feed lag (ledger commit -> readable in every timeline), %d payments: p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                    lags.getTotalCount(), lags.getValueAtPercentile(50) / 1e3, lags.getValueAtPercentile(99) / 1e3, lags.getMaxValue() / 1e3);

            Histogram pages = readPages(users);
            System.out.printf(Locale.ROOT, "bench-feed: feed page of 20 over HTTP, %d reads (first and second pages, %d readers): p50 %.2f ms, p99 %.2f ms%n",
                    pages.getTotalCount(), READERS, pages.getValueAtPercentile(50) / 1e3, pages.getValueAtPercentile(99) / 1e3);
            return lags.getTotalCount() >= sent && errors.isEmpty();
        }

        private List<User> signUp() throws Exception {
            String prefix = "b" + Long.toString(System.nanoTime() % 100_000, 36) + "_";
            try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
                List<Future<User>> futures = new ArrayList<>();
                for (int i = 0; i < options.users(); i++) {
                    String handle = prefix + i;
                    futures.add(pool.submit(() -> {
                        JsonNode signedUp = call("POST", "/v1/auth/signup", null, Map.of("handle", handle, "password", PASSWORD), 201);
                        JsonNode login = call("POST", "/v1/auth/login", null, Map.of("handle", handle, "password", PASSWORD), 200);
                        return new User(UUID.fromString(signedUp.get("user_id").asString()), handle, login.get("access_token").asString());
                    }));
                }
                List<User> users = new ArrayList<>();
                for (Future<User> future : futures) {
                    users.add(future.get());
                }
                return users;
            }
        }

        private void fund(List<User> users) {
            Ledger ledger = context.getBean(Ledger.class);
            Transactions transactions = context.getBean(Transactions.class);
            for (User user : users) {
                transactions.run(() -> ledger.post(new TransferCommand(ledger.systemAccount("bench_funding", "USD"),
                        ledger.openWallet(user.id(), "USD"), 100_000_000L, "USD", "bench_funding", "bench-funding:" + user.id(),
                        "Benchmark funding", "private")));
            }
        }

        private void befriend(List<User> users) throws Exception {
            try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
                List<Future<?>> futures = new ArrayList<>();
                for (int i = 0; i < users.size(); i++) {
                    User asking = users.get(i);
                    for (int k = 1; k <= options.friends() / 2 + options.friends() % 2; k++) {
                        User asked = users.get((i + k) % users.size());
                        futures.add(pool.submit(() -> {
                            JsonNode request = call("POST", "/v1/friends/requests", asking.token(), Map.of("to_handle", asked.handle()), -1);
                            if (request != null && request.get("status").asString().equals("pending")) {
                                call("POST", "/v1/friends/requests/" + request.get("id").asString() + "/accept", asked.token(), Map.of(), 200);
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
                        if (call("POST", "/v1/transfers", from.token(), Map.of("to_handle", recipient.handle(), "amount", "1.00",
                                "currency", "USD", "visibility", visibility, "note", "bench"), 201) != null) {
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
                            JsonNode first = call("GET", "/v1/feed?limit=20", reader.token(), null, 200);
                            mine.recordValue((System.nanoTime() - begin) / 1_000);
                            JsonNode next = first == null ? null : first.get("next_cursor");
                            if (next != null) {
                                begin = System.nanoTime();
                                call("GET", "/v1/feed?limit=20&cursor=" + next.asString(), reader.token(), null, 200);
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

        /** One HTTP call; the body as JSON, or null (counted as an error) if the status is not {@code expected} (-1: any 2xx). */
        private JsonNode call(String method, String path, String token, Object body, int expected) {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
            if (token != null) {
                request.header("Authorization", "Bearer " + token);
            }
            if (body != null) {
                request.header("Content-Type", "application/json").header("Idempotency-Key", UUID.randomUUID().toString());
                request.method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
            } else {
                request.method(method, HttpRequest.BodyPublishers.noBody());
            }
            try {
                HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
                boolean ok = expected == -1 ? response.statusCode() / 100 == 2 : response.statusCode() == expected;
                if (!ok) {
                    JsonNode problem = JSON.readTree(response.body());
                    String code = problem != null && problem.has("code") ? problem.get("code").asString() : String.valueOf(response.statusCode());
                    errors.computeIfAbsent(method + " " + path.replaceAll("\\?.*", "") + " " + code, key -> new AtomicInteger()).incrementAndGet();
                    return null;
                }
                return JSON.readTree(response.body());
            } catch (IOException | InterruptedException failure) {
                errors.computeIfAbsent(method + " " + failure.getClass().getSimpleName(), key -> new AtomicInteger()).incrementAndGet();
                return null;
            }
        }
    }
}
