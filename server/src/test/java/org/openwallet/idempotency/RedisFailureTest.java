package org.openwallet.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openwallet.Api;
import org.openwallet.LedgerTestSupport;
import org.openwallet.WalletIntegrationTest;
import org.openwallet.ledger.Ledger;
import org.openwallet.ledger.LedgerVerifier;
import org.openwallet.platform.EmbeddedRedis;
import org.openwallet.platform.config.WalletProperties;
import org.openwallet.platform.database.Transactions;
import org.openwallet.platform.redis.Redis;
import org.openwallet.platform.redis.RedisUnavailableException;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * Redis fails under load: stopped, flushed, restarted, slow. PostgreSQL stays the truth, so the
 * wallet keeps answering, no Idempotency-Key moves money twice, and the ledger still balances.
 *
 * <p>This class stops the wallet's Redis, so it runs in an application context of its own (own
 * data directory, PostgreSQL and Redis), closed after the class. It does not extend
 * {@code WalletIntegrationTest}: that base fixes {@code wallet.data-dir} for every subclass (its
 * {@code @DynamicPropertySource} wins over a subclass's), and two contexts cannot share one data
 * directory. The settings below mirror the base's, plus the data directory.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisFailureTest {
    /** How often set-up retries a sign-up or login answered 503 (see {@link #newUser}). */
    private static final int SET_UP_ATTEMPTS = 5;

    private static final String TRANSFERS = "/v1/transfers";
    private static final String REPLAYED = "Idempotent-Replayed";
    private static final int USERS = 10;
    private static final long INITIAL_MINOR = 50_00;
    private static final int THREADS = 8;
    private static final int REQUESTS = 600;
    private static final int ATTEMPTS_PER_KEY = 3;
    private static final Duration MAX_RESPONSE_TIME = Duration.ofSeconds(5);
    private static final Duration MAX_SLOW_REDIS_RESPONSE_TIME = Duration.ofSeconds(2);
    private static final Path DATA_DIR = WalletIntegrationTest.newDataDir();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** The Redis this class started in place of the wallet's own, if it did. */
    private static volatile EmbeddedRedis replacement;

    @DynamicPropertySource
    static void walletProperties(DynamicPropertyRegistry registry) {
        WalletIntegrationTest.ownWallet(registry, DATA_DIR);
        WalletIntegrationTest.limitsOutOfReach(registry);
        // Redis failures are what this class tests: the production timeout, not the suite's lenient one.
        registry.add("wallet.redis.timeout", () -> "50ms");
    }

    @LocalServerPort
    int port;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    EmbeddedRedis embeddedRedis;

    @Autowired
    WalletProperties properties;

    @Autowired
    Redis redis;

    @Autowired
    MeterRegistry meters;

    @Autowired
    LedgerVerifier verifier;

    @Autowired
    Transactions transactions;

    @Autowired
    Ledger ledger;

    private Api api;

    @BeforeEach
    void redisIsUpAndTheWalletUsesIt() throws IOException {
        api = new Api("http://127.0.0.1:" + port);
        assertThat(properties.dataDir().toAbsolutePath()).isEqualTo(DATA_DIR.toAbsolutePath());
        if (!currentRedis().isAlive()) {
            startReplacement();
        }
        awaitWalletSeesRedis();
    }

    @AfterAll
    static void stopReplacement() throws IOException {
        EmbeddedRedis started = replacement;
        if (started != null) {
            replacement = null;
            started.close();
        }
    }

    @Test
    @Order(1)
    void slowRedis_everyPaymentStillAnswersWithinTheBound_andNoKeyMovesMoneyTwice() throws Exception {
        List<Api.User> users = fundedUsers();
        double errorsBefore = counter("wallet.redis.errors");
        RedisClient client = RedisClient.create(currentRedis().uri());
        ExecutorService sleeper = Executors.newSingleThreadExecutor();
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            connection.setTimeout(Duration.ofSeconds(10));
            Runnable sleepHalfASecond = stall(connection, 0.5);
            // Redis stalls for 0.5 s, four times in a row, while the payments run.
            Future<?> stalls = sleeper.submit(() -> {
                for (int stall = 0; stall < 4; stall++) {
                    sleepHalfASecond.run();
                }
            });
            Thread.sleep(100);
            List<Attempt> attempts = new ArrayList<>();
            ExecutorService payers = Executors.newFixedThreadPool(THREADS);
            try {
                List<Future<List<Attempt>>> perThread = new ArrayList<>();
                for (int thread = 0; thread < THREADS; thread++) {
                    perThread.add(payers.submit(() -> {
                        List<Attempt> mine = new ArrayList<>();
                        for (int payment = 0; payment < 3; payment++) {
                            Payment next = randomPayment(users, 1_00);
                            // The payment, then its retry once the first answer is in.
                            mine.add(send(next));
                            mine.add(send(next));
                        }
                        return mine;
                    }));
                }
                for (Future<List<Attempt>> future : perThread) {
                    attempts.addAll(future.get(60, TimeUnit.SECONDS));
                }
            } finally {
                payers.shutdownNow();
            }
            stalls.get(30, TimeUnit.SECONDS);

            System.out.printf(
                    "RedisFailureTest: %d requests while Redis stalled, slowest %d ms, retries answered 409 %d%n",
                    attempts.size(),
                    attempts.stream()
                            .mapToLong(a -> TimeUnit.NANOSECONDS.toMillis(a.elapsedNanos()))
                            .max()
                            .orElse(0),
                    attempts.stream().filter(a -> a.status() == 409).count());
            assertThat(counter("wallet.redis.errors"))
                    .as("Redis calls that failed or timed out while it stalled")
                    .isGreaterThan(errorsBefore);
            for (Attempt attempt : attempts) {
                assertThat(Duration.ofNanos(attempt.elapsedNanos()))
                        .as("response time of %s", attempt)
                        .isLessThan(MAX_SLOW_REDIS_RESPONSE_TIME);
            }
            // Fresh payments all go through; their retries are replays of the same transfer (or, if
            // a claim that timed out reached Redis late, 409 until its marker expires).
            Map<String, List<Attempt>> byKey = attempts.stream()
                    .collect(Collectors.groupingBy(a -> a.payment().key()));
            for (List<Attempt> pair : byKey.values()) {
                assertThat(pair.get(0).status())
                        .as("first answer %s", pair.get(0))
                        .isEqualTo(201);
                assertThat(pair.get(0).replayed()).isFalse();
                Attempt retry = pair.get(1);
                if (retry.status() == 409) {
                    assertThat(retry.code()).isEqualTo("idempotency_request_in_progress");
                } else {
                    assertThat(retry.status()).as("retry %s", retry).isEqualTo(201);
                    assertThat(retry.replayed()).isTrue();
                    assertThat(retry.body()).isEqualTo(pair.get(0).body());
                }
            }
            assertLedgerConsistent(users, attempts);
        } finally {
            sleeper.shutdownNow();
            client.shutdown();
        }
    }

    @Test
    @Order(2)
    void hungRedis_theBreakerOpensAfterThresholdTimeouts_thenCallsFailAtOnce_andItClosesWhenRedisAnswers()
            throws Exception {
        int threshold = properties.redis().breakerFailureThreshold();
        Duration timeout = properties.redis().timeout();
        int calls = 60;
        RedisClient client = RedisClient.create(currentRedis().uri());
        ExecutorService sleeper = Executors.newSingleThreadExecutor();
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            connection.setTimeout(Duration.ofSeconds(10));
            // Redis accepts commands but answers none for 2 s: the worst kind of dead.
            Future<?> hung = sleeper.submit(stall(connection, 2));
            Thread.sleep(100);
            double errorsBefore = counter("wallet.redis.errors");
            double skippedBefore = counter("wallet.redis.skipped");
            long[] elapsedNanos = new long[calls];
            long started = System.nanoTime();
            for (int call = 0; call < calls; call++) {
                long callStarted = System.nanoTime();
                try {
                    redis.call(commands -> commands.get("hung"));
                    throw new AssertionError("a hung Redis answered call " + call);
                } catch (RedisUnavailableException expected) {
                    elapsedNanos[call] = System.nanoTime() - callStarted;
                }
            }
            long total = System.nanoTime() - started;
            assertThat(hung.isDone())
                    .as("Redis still hung when the calls ended")
                    .isFalse();

            assertThat(counter("wallet.redis.errors") - errorsBefore)
                    .as("calls that waited for the timeout")
                    .isEqualTo(threshold);
            assertThat(counter("wallet.redis.skipped") - skippedBefore)
                    .as("calls refused by the open breaker")
                    .isEqualTo(calls - threshold);
            for (int call = 0; call < threshold; call++) {
                assertThat(Duration.ofNanos(elapsedNanos[call]))
                        .as("call %d", call)
                        .isGreaterThanOrEqualTo(timeout.minusMillis(5));
            }
            for (int call = threshold; call < calls; call++) {
                assertThat(Duration.ofNanos(elapsedNanos[call]))
                        .as("call %d", call)
                        .isLessThan(timeout);
            }
            // Without the breaker these calls would take calls x timeout = 3 s.
            assertThat(Duration.ofNanos(total))
                    .isLessThan(timeout.multipliedBy(calls).dividedBy(2));

            hung.get(10, TimeUnit.SECONDS);
            // After the open period one trial goes through, succeeds, and the breaker closes.
            awaitWalletSeesRedis();
            double skipped = counter("wallet.redis.skipped");
            String pong = redis.call(commands -> commands.ping());
            assertThat(pong).isEqualTo("PONG");
            assertThat(counter("wallet.redis.skipped")).isEqualTo(skipped);
        } finally {
            sleeper.shutdownNow();
            client.shutdown();
        }
    }

    @Test
    @Order(3)
    void flushAllInTheMiddleOfALoad_noKeyMovesMoneyTwice_andTheServerKeepsAnswering() throws Exception {
        List<Api.User> users = fundedUsers();
        RedisClient client = RedisClient.create(currentRedis().uri());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            Load load = runLoad(users, () -> connection.sync().flushall());

            assertLoadConsistent(users, load);
            // The flush happened mid-load: keys that were done before it are gone from Redis.
            long forgotten = load.keysFinishedBefore(load.faultStartedNanos()).stream()
                    .filter(key -> connection.sync().exists(redisKey(load.payerOf(key), key)) == 0)
                    .count();
            assertThat(forgotten)
                    .as("keys done before FLUSHALL and no longer in Redis")
                    .isPositive();
            // ...and Redis is back in use after it: the last payments' answers are stored there again.
            awaitWalletSeesRedis();
            Payment after = randomPayment(users, 1_00);
            Attempt created = send(after);
            assertThat(created.status()).isIn(201, 422);
            assertThat(connection.sync().get(redisKey(after.payer(), after.key())))
                    .startsWith("D|");
        } finally {
            client.shutdown();
        }
    }

    @Test
    @Order(4)
    void redisRestartedOnTheSamePortInTheMiddleOfALoad_noKeyMovesMoneyTwice_andTheWalletReconnects() throws Exception {
        List<Api.User> users = fundedUsers();
        int redisPort = currentRedis().port();
        Load load = runLoad(users, () -> {
            stopCurrentRedis();
            startReplacement();
        });

        assertLoadConsistent(users, load);
        assertThat(currentRedis().port()).isEqualTo(redisPort);
        // Lettuce reconnects to the new server by itself, and the fast path is used again.
        awaitWalletSeesRedis();
        Payment after = randomPayment(users, 1_00);
        Attempt created = send(after);
        assertThat(created.status()).isIn(201, 422);
        RedisClient client = RedisClient.create(currentRedis().uri());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            assertThat(connection.sync().get(redisKey(after.payer(), after.key())))
                    .startsWith("D|");
        } finally {
            client.shutdown();
        }
        Attempt replay = send(after);
        assertThat(replay.replayed()).isTrue();
        assertThat(replay.body()).isEqualTo(created.body());
    }

    @Test
    @Order(5)
    void
            redisStoppedInTheMiddleOfALoad_paymentsGoOnThroughPostgres_duplicatesAreStillReplayed_andTheBreakerStopsWaiting()
                    throws Exception {
        List<Api.User> users = fundedUsers();
        double skippedBefore = counter("wallet.redis.skipped");
        Load load = runLoad(users, this::stopCurrentRedis);

        assertLoadConsistent(users, load);
        assertThat(currentRedis().isAlive()).isFalse();
        // Payments that started with Redis gone were created all the same, and retries of keys
        // done after the stop were answered with the stored response, from PostgreSQL.
        List<Attempt> afterStop = load.attempts().stream()
                .filter(a -> a.startedNanos() > load.faultDoneNanos())
                .toList();
        assertThat(afterStop.stream()
                        .filter(a -> a.status() == 201 && !a.replayed())
                        .count())
                .as("payments created with Redis down")
                .isGreaterThanOrEqualTo(20);
        assertThat(afterStop.stream().filter(Attempt::replayed).count())
                .as("duplicates replayed with Redis down")
                .isGreaterThanOrEqualTo(20);

        // Keys completed while Redis was up, retried now that it is down: PostgreSQL replays them.
        List<String> doneBefore = load.keysFinishedBefore(load.faultStartedNanos());
        assertThat(doneBefore).isNotEmpty();
        for (String key : doneBefore.subList(0, Math.min(10, doneBefore.size()))) {
            Attempt original = load.finalAnswer(key);
            Attempt again = send(original.payment());
            assertThat(again.status()).as("retry of %s with Redis down", key).isEqualTo(original.status());
            assertThat(again.replayed()).isTrue();
            assertThat(again.body()).isEqualTo(original.body());
        }
        // A new payment with Redis down: created once, then replayed from PostgreSQL.
        Api.User richest =
                users.stream().max(Comparator.comparingLong(this::balanceOf)).orElseThrow();
        Api.User other = users.get(users.get(0) == richest ? 1 : 0);
        Payment fresh = new Payment(richest, other, "1.00", "down-" + UUID.randomUUID());
        Attempt created = send(fresh);
        Attempt replay = send(fresh);
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        assertThat(created.replayed()).isFalse();
        assertThat(replay.status()).isEqualTo(201);
        assertThat(replay.replayed()).isTrue();
        assertThat(replay.body()).isEqualTo(created.body());

        // The circuit breaker: with Redis gone, most calls are not even tried.
        double skipped = counter("wallet.redis.skipped") - skippedBefore;
        assertThat(skipped)
                .as("Redis calls skipped by the open circuit breaker")
                .isGreaterThan(100);
        assertThatRedisCallsAreRefusedAtOnce();
        List<Attempt> all = new ArrayList<>(load.attempts());
        all.add(created);
        all.add(replay);
        assertLedgerConsistent(users, all);
    }

    /**
     * With the breaker open, a call to Redis fails at once, without waiting for a timeout: it is
     * skipped, except at most one trial should the open period end meanwhile.
     */
    private void assertThatRedisCallsAreRefusedAtOnce() {
        int calls = 20;
        double skippedBefore = counter("wallet.redis.skipped");
        double errorsBefore = counter("wallet.redis.errors");
        for (int i = 0; i < calls; i++) {
            long started = System.nanoTime();
            try {
                redis.call(commands -> commands.get("anything"));
                throw new AssertionError("Redis answered although it is stopped");
            } catch (RedisUnavailableException expected) {
                // Refused.
            }
            assertThat(Duration.ofNanos(System.nanoTime() - started))
                    .isLessThan(properties.redis().timeout().multipliedBy(4));
        }
        double tried = counter("wallet.redis.errors") - errorsBefore;
        assertThat(tried).as("calls that went to Redis (trials)").isLessThanOrEqualTo(1);
        assertThat(counter("wallet.redis.skipped") - skippedBefore)
                .as("calls skipped")
                .isEqualTo(calls - tried);
    }

    // ---------------------------------------------------------------------------------------
    // The load: payments among funded users, each sent three times with one key.

    /** One payment, the unit an Idempotency-Key stands for. */
    record Payment(Api.User payer, Api.User payee, String amount, String key) {
        String body() {
            return "{\"to_handle\":\"" + payee.handle() + "\",\"amount\":\"" + amount + "\",\"currency\":\"USD\"}";
        }
    }

    /** One HTTP request of a payment and its answer. */
    record Attempt(
            Payment payment,
            int status,
            String body,
            String code,
            boolean replayed,
            long startedNanos,
            long finishedNanos) {
        long elapsedNanos() {
            return finishedNanos - startedNanos;
        }

        @Override
        public String toString() {
            return payment.key() + " -> " + status + (replayed ? " (replayed) " : " ") + body + " in "
                    + TimeUnit.NANOSECONDS.toMillis(elapsedNanos()) + " ms";
        }
    }

    record Load(List<Attempt> attempts, long faultStartedNanos, long faultDoneNanos) {
        Map<String, List<Attempt>> byKey() {
            return attempts.stream()
                    .collect(Collectors.groupingBy(a -> a.payment().key()));
        }

        /** Keys all of whose requests had been answered before {@code nanos}. */
        List<String> keysFinishedBefore(long nanos) {
            return byKey().entrySet().stream()
                    .filter(entry -> entry.getValue().stream().allMatch(a -> a.finishedNanos() < nanos))
                    .map(Map.Entry::getKey)
                    .toList();
        }

        Attempt finalAnswer(String key) {
            return byKey().get(key).stream()
                    .filter(a -> a.status() != 409 && !a.replayed())
                    .findFirst()
                    .orElseThrow();
        }

        Api.User payerOf(String key) {
            return byKey().get(key).get(0).payment().payer();
        }
    }

    interface Fault {
        void inject() throws Exception;
    }

    /**
     * {@value #THREADS} threads send {@value #REQUESTS} requests: every payment three times with the
     * same key, one after another, two at once then one, or all three at once. The fault is
     * injected on its own thread once a third of the payments have started; the load goes on.
     */
    private Load runLoad(List<Api.User> users, Fault fault) throws Exception {
        int payments = REQUESTS / ATTEMPTS_PER_KEY;
        AtomicInteger next = new AtomicInteger();
        AtomicLong faultStarted = new AtomicLong(Long.MAX_VALUE);
        AtomicLong faultDone = new AtomicLong(Long.MAX_VALUE);
        CompletableFuture<Void> faultFinished = new CompletableFuture<>();
        ConcurrentLinkedQueue<Attempt> attempts = new ConcurrentLinkedQueue<>();
        // 409s to a retry sent after the first request had answered: a marker outlived its request.
        AtomicInteger staleMarkers = new AtomicInteger();
        ExecutorService payers = Executors.newFixedThreadPool(THREADS);
        ExecutorService retries = Executors.newVirtualThreadPerTaskExecutor();
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int thread = 0; thread < THREADS; thread++) {
                workers.add(payers.submit((Callable<Void>) () -> {
                    int index;
                    while ((index = next.getAndIncrement()) < payments) {
                        if (index == payments / 3) {
                            Thread.ofPlatform().name("redis-fault").start(() -> {
                                faultStarted.set(System.nanoTime());
                                try {
                                    fault.inject();
                                    faultDone.set(System.nanoTime());
                                    faultFinished.complete(null);
                                } catch (Throwable failure) {
                                    faultFinished.completeExceptionally(failure);
                                }
                            });
                        }
                        Payment payment = randomPayment(users, 15_00);
                        switch (index % 3) {
                            case 0 -> {
                                for (int attempt = 0; attempt < ATTEMPTS_PER_KEY; attempt++) {
                                    Attempt answered = send(payment);
                                    attempts.add(answered);
                                    if (attempt > 0 && answered.status() == 409) {
                                        staleMarkers.incrementAndGet();
                                    }
                                }
                            }
                            case 1 -> {
                                Future<Attempt> second = retries.submit(() -> send(payment));
                                attempts.add(send(payment));
                                attempts.add(second.get(60, TimeUnit.SECONDS));
                                attempts.add(send(payment));
                            }
                            default -> {
                                List<Future<Attempt>> all = new ArrayList<>();
                                for (int attempt = 0; attempt < ATTEMPTS_PER_KEY; attempt++) {
                                    all.add(retries.submit(() -> send(payment)));
                                }
                                for (Future<Attempt> future : all) {
                                    attempts.add(future.get(60, TimeUnit.SECONDS));
                                }
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> worker : workers) {
                worker.get(120, TimeUnit.SECONDS);
            }
            faultFinished.get(60, TimeUnit.SECONDS);
        } finally {
            payers.shutdownNow();
            retries.shutdownNow();
        }
        Load load = new Load(List.copyOf(attempts), faultStarted.get(), faultDone.get());
        long before = load.attempts().stream()
                .filter(a -> a.finishedNanos() < load.faultStartedNanos())
                .count();
        long after = load.attempts().stream()
                .filter(a -> a.startedNanos() > load.faultDoneNanos())
                .count();
        System.out.printf(
                "RedisFailureTest: %d requests, %d answered before the fault, %d sent after it; statuses %s; replayed %d; slowest %d ms; 409 after the first answer %d%n",
                load.attempts().size(),
                before,
                after,
                load.attempts().stream().collect(Collectors.groupingBy(Attempt::status, Collectors.counting())),
                load.attempts().stream().filter(Attempt::replayed).count(),
                load.attempts().stream()
                        .mapToLong(a -> TimeUnit.NANOSECONDS.toMillis(a.elapsedNanos()))
                        .max()
                        .orElse(0),
                staleMarkers.get());
        assertThat(load.attempts()).hasSize(payments * ATTEMPTS_PER_KEY);
        assertThat(before).as("requests answered before the fault").isGreaterThanOrEqualTo(REQUESTS / 6);
        assertThat(after).as("requests sent after the fault").isGreaterThanOrEqualTo(REQUESTS / 3);
        return load;
    }

    /** A payment between two of the users, of 0.01 up to {@code maxMinor}, with a fresh key. */
    private static Payment randomPayment(List<Api.User> users, long maxMinor) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int payer = random.nextInt(users.size());
        int payee = (payer + 1 + random.nextInt(users.size() - 1)) % users.size();
        String amount = BigDecimal.valueOf(random.nextLong(1, maxMinor + 1), 2).toPlainString();
        return new Payment(users.get(payer), users.get(payee), amount, "load-" + UUID.randomUUID());
    }

    private Attempt send(Payment payment) {
        long started = System.nanoTime();
        Api.Response response = api.postRaw(TRANSFERS, payment.payer().token(), payment.key(), payment.body());
        long finished = System.nanoTime();
        String code = response.status() >= 400 && response.body().startsWith("{") ? response.code() : null;
        return new Attempt(
                payment,
                response.status(),
                response.body(),
                code,
                "true".equals(response.header(REPLAYED)),
                started,
                finished);
    }

    // ---------------------------------------------------------------------------------------
    // What must hold after any fault.

    private void assertLoadConsistent(List<Api.User> users, Load load) {
        for (Attempt attempt : load.attempts()) {
            assertThat(attempt.status()).as("status of %s", attempt).isIn(201, 409, 422);
            if (attempt.status() == 409) {
                assertThat(attempt.code()).as(attempt.toString()).isEqualTo("idempotency_request_in_progress");
            }
            if (attempt.status() == 422) {
                // Every payment is sent with the same body each time: a key can never be "reused".
                assertThat(attempt.code()).as(attempt.toString()).isEqualTo("insufficient_funds");
            }
            assertThat(Duration.ofNanos(attempt.elapsedNanos()))
                    .as("response time of %s", attempt)
                    .isLessThan(MAX_RESPONSE_TIME);
        }
        for (Map.Entry<String, List<Attempt>> entry : load.byKey().entrySet()) {
            List<Attempt> answers =
                    entry.getValue().stream().filter(a -> a.status() != 409).toList();
            // The request that ran the payment always answers: nobody else can hold its key.
            assertThat(answers)
                    .as("final answers for key %s: %s", entry.getKey(), entry.getValue())
                    .isNotEmpty();
            assertThat(answers.stream().filter(a -> !a.replayed()).count())
                    .as("answers not replayed (= times the payment ran) for %s: %s", entry.getKey(), entry.getValue())
                    .isEqualTo(1);
            for (Attempt answer : answers) {
                assertThat(answer.status())
                        .as("key %s: %s", entry.getKey(), entry.getValue())
                        .isEqualTo(answers.get(0).status());
                assertThat(answer.body())
                        .as("key %s: %s", entry.getKey(), entry.getValue())
                        .isEqualTo(answers.get(0).body());
            }
        }
        assertLedgerConsistent(users, load.attempts());
    }

    /**
     * Every transfer between the users is one a 201 announced, every transfer id belongs to one
     * key, balances are what the announced transfers make them, money is conserved, and the
     * ledger verifies.
     */
    private void assertLedgerConsistent(List<Api.User> users, List<Attempt> attempts) {
        Map<String, String> keyOfTransfer = new HashMap<>();
        Map<String, Attempt> firstAnswerOfTransfer = new HashMap<>();
        for (Attempt attempt : attempts) {
            if (attempt.status() != 201) {
                continue;
            }
            String id = JSON.readTree(attempt.body()).get("id").asString();
            String previous = keyOfTransfer.putIfAbsent(id, attempt.payment().key());
            if (previous != null) {
                assertThat(previous)
                        .as("key of transfer %s", id)
                        .isEqualTo(attempt.payment().key());
            }
            firstAnswerOfTransfer.putIfAbsent(id, attempt);
        }
        Map<String, Set<String>> transfersOfKey = new HashMap<>();
        keyOfTransfer.forEach((id, key) ->
                transfersOfKey.computeIfAbsent(key, k -> new HashSet<>()).add(id));
        transfersOfKey.forEach((key, ids) ->
                assertThat(ids).as("transfers created for key %s", key).hasSize(1));

        List<UUID> wallets = users.stream()
                .map(user -> ledger.walletOf(user.id(), "USD").orElseThrow())
                .toList();
        Set<String> inLedger = new HashSet<>(jdbc.sql("""
                        SELECT id::text FROM ledger_transfers
                         WHERE kind = 'p2p' AND (from_account_id = ANY (?::uuid[]) OR to_account_id = ANY (?::uuid[]))
                        """)
                .params(walletArray(wallets), walletArray(wallets))
                .query(String.class)
                .list());
        assertThat(inLedger)
                .as("p2p transfers between the users in the ledger = transfers announced by a 201")
                .isEqualTo(keyOfTransfer.keySet());

        Map<UUID, Long> expected = new HashMap<>();
        users.forEach(user -> expected.put(user.id(), INITIAL_MINOR));
        for (Attempt created : firstAnswerOfTransfer.values()) {
            long minor =
                    new BigDecimal(created.payment().amount()).movePointRight(2).longValueExact();
            expected.merge(created.payment().payer().id(), -minor, Long::sum);
            expected.merge(created.payment().payee().id(), minor, Long::sum);
        }
        long total = 0;
        for (Api.User user : users) {
            long balance = balanceOf(user);
            assertThat(balance).as("balance of %s", user.handle()).isEqualTo(expected.get(user.id()));
            assertThat(balance).isNotNegative();
            total += balance;
        }
        assertThat(total).as("money among the users").isEqualTo(USERS * INITIAL_MINOR);
        LedgerVerifier.Report report = verifier.verify();
        assertThat(report.ok()).as(report.summary() + " " + report.problems()).isTrue();
    }

    private long balanceOf(Api.User user) {
        return jdbc.sql("SELECT posted_minor FROM ledger_accounts WHERE id = ?")
                .param(ledger.walletOf(user.id(), "USD").orElseThrow())
                .query(Long.class)
                .single();
    }

    private static String walletArray(List<UUID> wallets) {
        return wallets.stream().map(UUID::toString).collect(Collectors.joining(",", "{", "}"));
    }

    // ---------------------------------------------------------------------------------------
    // Redis handling.

    private List<Api.User> fundedUsers() {
        List<Api.User> users = new ArrayList<>();
        for (int i = 0; i < USERS; i++) {
            Api.User user = newUser();
            LedgerTestSupport.fund(transactions, ledger, user.id(), INITIAL_MINOR);
            users.add(user);
        }
        return users;
    }

    /**
     * A new user, as a client would make one here: this class runs at the production Redis timeout
     * (50 ms), and on two loaded cores a login's limiter call now and then takes longer, so login
     * fails closed with 503 and Retry-After. Set-up is not under test, so it retries as told, a few times.
     */
    private Api.User newUser() {
        for (int attempt = 1; ; attempt++) {
            try {
                return api.newUser();
            } catch (IllegalStateException unavailable) {
                if (attempt == SET_UP_ATTEMPTS
                        || !String.valueOf(unavailable.getMessage()).contains("service_unavailable")) {
                    throw unavailable;
                }
                try {
                    Thread.sleep(Duration.ofSeconds(1));
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw unavailable;
                }
            }
        }
    }

    private EmbeddedRedis currentRedis() {
        EmbeddedRedis started = replacement;
        return started != null ? started : embeddedRedis;
    }

    private void stopCurrentRedis() throws IOException {
        currentRedis().close();
    }

    /** A new Redis on the wallet's port and directory, where its client will find it. */
    private void startReplacement() throws IOException {
        EmbeddedRedis old = replacement;
        if (old != null && old.isAlive()) {
            throw new IllegalStateException("a replacement Redis is already running");
        }
        replacement = EmbeddedRedis.start(properties.dataDir().toAbsolutePath().resolve("redis"), embeddedRedis.port());
    }

    /** Waits (bounded) until the wallet's own Redis client reconnected and its breaker lets calls through. */
    private void awaitWalletSeesRedis() {
        long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            try {
                if ("PONG".equals(redis.call(commands -> commands.ping()))) {
                    return;
                }
            } catch (RedisUnavailableException notYet) {
                last = notYet;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(interrupted);
            }
        }
        throw new AssertionError("the wallet did not reach Redis again within 40 s", last);
    }

    /**
     * Makes Redis stall for {@code seconds}: {@code DEBUG SLEEP}, or where DEBUG is disabled (Redis
     * 7 by default) a Lua script that keeps the server busy as long.
     */
    private static Runnable stall(StatefulRedisConnection<String, String> connection, double seconds) {
        try {
            debugSleep(connection, "0");
            return () -> debugSleep(connection, Double.toString(seconds));
        } catch (RedisCommandExecutionException debugDisabled) {
            String busy = """
                    local start = redis.call('TIME')
                    local from = tonumber(start[1]) * 1000000 + tonumber(start[2])
                    while true do
                      local now = redis.call('TIME')
                      if tonumber(now[1]) * 1000000 + tonumber(now[2]) - from >= tonumber(ARGV[1]) then return 1 end
                    end
                    """;
            String micros = Long.toString((long) (seconds * 1_000_000));
            return () -> connection.sync().eval(busy, ScriptOutputType.INTEGER, new String[0], micros);
        }
    }

    private static void debugSleep(StatefulRedisConnection<String, String> connection, String seconds) {
        connection
                .sync()
                .dispatch(
                        CommandType.DEBUG,
                        new StatusOutput<>(StringCodec.UTF8),
                        new CommandArgs<>(StringCodec.UTF8).add("SLEEP").add(seconds));
    }

    private double counter(String name) {
        Counter counter = meters.find(name).counter();
        return counter == null ? 0 : counter.count();
    }

    private static String redisKey(Api.User payer, String key) {
        return "idem:{" + payer.id() + "}:transfer.create:" + key;
    }
}
