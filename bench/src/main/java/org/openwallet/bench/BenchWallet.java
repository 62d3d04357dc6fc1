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
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.Histogram;
import org.openwallet.ledger.Ledger;
import org.openwallet.ledger.TransferCommand;
import org.openwallet.platform.database.Transactions;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.util.FileSystemUtils;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What every benchmark of this package shares: a throwaway wallet started in this JVM exactly as
 * {@code ./wallet run} starts it (all roles; embedded PostgreSQL with fsync and synchronous commit,
 * Redis, Kafka with Debezium, Cassandra, the bank simulator), users signed up and logged in over
 * HTTP, funded through the ledger, and the small helpers for arguments and latency figures.
 *
 * <p>Rate limits and fraud rules stay in the path, with bounds no benchmark reaches: a benchmark
 * measures what they cost, never what they refuse. Access tokens live for the length of a long run.
 */
final class BenchWallet implements AutoCloseable {
    static final String PASSWORD = "bench-password-1";
    static final String CURRENCY = "USD";
    /** Funding postings per database transaction: one commit (one fsync) funds this many users. */
    static final int FUNDING_BATCH = 200;
    /** Tries of one set-up call that the server answers 503, pausing 0.5 s, 1 s, ... between them. */
    private static final int SET_UP_ATTEMPTS = 5;

    private static final Duration SET_UP_RETRY_PAUSE = Duration.ofMillis(500);
    /** Threads that sign up and log in users over HTTP. */
    static final int SIGN_UP_THREADS = Math.max(2, Runtime.getRuntime().availableProcessors() * 2);

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /**
     * Settings a benchmark run needs on top of {@code ./wallet run}'s: everything embedded and
     * throwaway whatever the WALLET_* variables say (never a real database), an ephemeral port, limits
     * raised but not switched off, and tokens that outlive the run.
     */
    private static final List<String> SETTINGS = List.of(
            "--wallet.database.url=",
            "--wallet.redis.url=",
            "--wallet.redis.cluster-nodes=",
            "--wallet.kafka.bootstrap-servers=",
            "--wallet.cassandra.contact-points=",
            "--wallet.funding.bank-url=",
            "--wallet.roles=api,relay,consumers,feed",
            "--wallet.demo.enabled=false",
            "--server.port=0",
            "--server.address=127.0.0.1",
            "--management.server.port=0",
            "--wallet.tokens.ttl=3h",
            // Sign-up and login are not what is measured, and at the shipped Argon2id cost (about 25 ms of
            // CPU a hash) 10,000 users would take ten minutes to set up. Hashes carry their parameters.
            "--wallet.passwords.memory-kib=64",
            "--wallet.passwords.iterations=1",
            "--wallet.rate-limits.limits.transfer-per-user.capacity=100000000",
            "--wallet.rate-limits.limits.transfer-per-ip.capacity=100000000",
            "--wallet.rate-limits.limits.login-per-ip.capacity=100000000",
            "--wallet.rate-limits.limits.signup-per-ip.capacity=100000000",
            "--wallet.fraud.velocity-max-count=100000000",
            "--wallet.fraud.limits.USD.velocity-max-amount=100000000000.00",
            "--wallet.fraud.limits.USD.weekly-limit-unverified=100000000000.00",
            "--wallet.fraud.limits.USD.new-recipient-large-amount=100000000000.00",
            "--wallet.fraud.limits.USD.new-ip-large-amount=100000000000.00");

    /** A signed-up user and the bearer token its login returned. */
    record User(UUID id, String handle, String token) {}

    private final String name;
    private final Path dataDirectory;
    private final ConfigurableApplicationContext context;
    private final String baseUrl;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final Map<String, AtomicInteger> errors = new ConcurrentHashMap<>();

    private BenchWallet(String name, Path dataDirectory, ConfigurableApplicationContext context) {
        this.name = name;
        this.dataDirectory = dataDirectory;
        this.context = context;
        this.baseUrl = "http://127.0.0.1:" + port(context);
    }

    /**
     * Starts the wallet on a fresh temporary data directory named after the benchmark ({@code name},
     * also the prefix of what it prints). {@code springArgs} come last, so a caller's settings win.
     */
    static BenchWallet start(String name, Class<?> applicationClass, List<String> springArgs) throws IOException {
        Path dataDirectory = Files.createTempDirectory("wallet-" + name + "-");
        SpringApplication application = new SpringApplication(applicationClass);
        // The embedded broker warns about what is normal on a fresh single node (topics being created);
        // the wallet's own warnings (a Redis breaker opening under load) stay.
        application.setDefaultProperties(Map.of(
                "logging.level.root",
                "WARN",
                "logging.level.kafka",
                "ERROR",
                "logging.level.org.apache.kafka",
                "ERROR",
                "springdoc.api-docs.enabled",
                "false",
                "springdoc.swagger-ui.enabled",
                "false"));
        List<String> args = new ArrayList<>();
        args.add("--wallet.data-dir=" + dataDirectory);
        args.addAll(SETTINGS);
        args.addAll(springArgs);
        System.out.println(name
                + ": starting a throwaway wallet (all roles; embedded PostgreSQL, Redis, Kafka, Cassandra, bank simulator) in "
                + dataDirectory);
        try {
            return new BenchWallet(name, dataDirectory, application.run(args.toArray(String[]::new)));
        } catch (RuntimeException failure) {
            FileSystemUtils.deleteRecursively(dataDirectory.toFile());
            throw failure;
        }
    }

    private static String port(ConfigurableApplicationContext context) {
        return context.getEnvironment().getProperty("local.server.port");
    }

    ConfigurableApplicationContext context() {
        return context;
    }

    String baseUrl() {
        return baseUrl;
    }

    int port() {
        return Integer.parseInt(port(context));
    }

    Path dataDirectory() {
        return dataDirectory;
    }

    /** Failed calls by method, path and problem code (or exception), as {@link #call} counted them. */
    Map<String, AtomicInteger> errors() {
        return errors;
    }

    /** Signs up {@code count} users over HTTP, logs each in and reads its balance; fails if any of them cannot. */
    List<User> signUp(int count) throws Exception {
        String prefix = "b" + Long.toString(System.nanoTime() % 100_000, 36) + "_";
        try (ExecutorService pool = Executors.newFixedThreadPool(SIGN_UP_THREADS)) {
            List<Future<User>> futures = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                String handle = prefix + i;
                futures.add(pool.submit(() -> {
                    JsonNode signedUp = callRetrying503(
                            "POST", "/v1/auth/signup", null, Map.of("handle", handle, "password", PASSWORD), 201);
                    JsonNode login = callRetrying503(
                            "POST", "/v1/auth/login", null, Map.of("handle", handle, "password", PASSWORD), 200);
                    if (signedUp == null || login == null) {
                        throw new IllegalStateException("could not sign up and log in " + handle + ": " + errors);
                    }
                    String token = login.get("access_token").asString();
                    // As a user opens the app before paying: the server verifies the token's signature on
                    // its first use and remembers it, so the payments measured later are not first uses.
                    if (callRetrying503("GET", "/v1/accounts/me/balance", token, null, 200) == null) {
                        throw new IllegalStateException("a fresh token of " + handle + " was refused: " + errors);
                    }
                    return new User(UUID.fromString(signedUp.get("user_id").asString()), handle, token);
                }));
            }
            List<User> users = new ArrayList<>(count);
            for (Future<User> future : futures) {
                users.add(future.get());
            }
            return users;
        }
    }

    /** Credits each user {@code amountMinor} from a system account, through the ledger as money really moves. */
    void fund(List<User> users, long amountMinor) {
        Ledger ledger = context.getBean(Ledger.class);
        Transactions transactions = context.getBean(Transactions.class);
        for (int from = 0; from < users.size(); from += FUNDING_BATCH) {
            List<User> batch = users.subList(from, Math.min(users.size(), from + FUNDING_BATCH));
            transactions.run(() -> {
                UUID source = ledger.systemAccount("bench_funding", CURRENCY);
                for (User user : batch) {
                    ledger.post(new TransferCommand(
                            source,
                            ledger.openWallet(user.id(), CURRENCY),
                            amountMinor,
                            CURRENCY,
                            "bench_funding",
                            "bench-funding:" + user.id(),
                            "Benchmark funding",
                            "private"));
                }
                return null;
            });
        }
    }

    /**
     * One HTTP call with a fresh Idempotency-Key when it has a body; the response as JSON, or null
     * (counted in {@link #errors()}) if the status is not {@code expected} (-1: any 2xx).
     */
    JsonNode call(String method, String path, String token, Object body, int expected) {
        return call(method, path, token, body, expected, 1);
    }

    /**
     * {@link #call} as a client does it during set-up: a 503 (on a saturated machine a login's Redis
     * call can time out, and login fails closed) is sent again, same Idempotency-Key, after a pause.
     */
    private JsonNode callRetrying503(String method, String path, String token, Object body, int expected) {
        return call(method, path, token, body, expected, SET_UP_ATTEMPTS);
    }

    private JsonNode call(String method, String path, String token, Object body, int expected, int attempts) {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(30));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (body != null) {
            request.header("Content-Type", "application/json")
                    .header("Idempotency-Key", UUID.randomUUID().toString());
            request.method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        try {
            for (int attempt = 1; ; attempt++) {
                HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 503 && attempt < attempts) {
                    Thread.sleep(SET_UP_RETRY_PAUSE.toMillis() * attempt);
                    continue;
                }
                boolean ok = expected == -1 ? response.statusCode() / 100 == 2 : response.statusCode() == expected;
                if (!ok) {
                    errors.computeIfAbsent(
                                    method + " " + path.replaceAll("\\?.*", "") + " "
                                            + problemCode(response.statusCode(), response.body()),
                                    key -> new AtomicInteger())
                            .incrementAndGet();
                    return null;
                }
                return JSON.readTree(response.body());
            }
        } catch (IOException | InterruptedException failure) {
            errors.computeIfAbsent(method + " " + failure.getClass().getSimpleName(), key -> new AtomicInteger())
                    .incrementAndGet();
            return null;
        }
    }

    /** The RFC 9457 {@code code} of an error response, or its status when the body is no problem document. */
    static String problemCode(int status, String body) {
        try {
            JsonNode problem = JSON.readTree(body);
            if (problem != null && problem.has("code")) {
                return problem.get("code").asString();
            }
        } catch (RuntimeException notJson) {
            // Not a problem document (a proxy's or the container's own page): the status says what there is.
        }
        return Integer.toString(status);
    }

    /** Stops the wallet and deletes its data directory. */
    @Override
    public void close() {
        try {
            context.close();
        } finally {
            if (!FileSystemUtils.deleteRecursively(dataDirectory.toFile())) {
                System.err.println(name + ": could not delete " + dataDirectory);
            }
        }
    }

    /** Percentiles of a histogram of microseconds, in milliseconds. */
    static String latencies(Histogram micros) {
        if (micros.getTotalCount() == 0) {
            return "no samples";
        }
        return String.format(
                Locale.ROOT,
                "p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms",
                micros.getValueAtPercentile(50) / 1e3,
                micros.getValueAtPercentile(90) / 1e3,
                micros.getValueAtPercentile(99) / 1e3,
                micros.getValueAtPercentile(99.9) / 1e3,
                micros.getMaxValue() / 1e3);
    }
}
