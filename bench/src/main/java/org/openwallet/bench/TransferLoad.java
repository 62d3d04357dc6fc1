package org.openwallet.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;
import org.openwallet.bench.BenchWallet.User;

/**
 * Drives {@code POST /v1/transfers} from {@code clients} platform threads, each with its own
 * keep-alive connection, in one of two load models:
 * <ul>
 *   <li><b>closed loop</b>: each thread sends its next payment as soon as the last one is answered;
 *       latency is from send to answer;</li>
 *   <li><b>fixed rate</b>: payment i is due at start + i / rate, whoever is free takes the next due
 *       one; latency is from the time it was due, not the time it was sent, so a stalled server
 *       shows as the latency its clients would have seen, with no coordinated omission (as in wrk2).</li>
 * </ul>
 * A warm-up runs first and is not recorded. Payer and payee are drawn from the same distribution
 * (the payee again until it is not the payer); amounts are 0.01 to 1.00, so nobody runs dry.
 */
final class TransferLoad {
    static final String PATH = "/v1/transfers";
    /** The longest latency recorded: anything slower is an error (a timeout) anyway. */
    private static final long MAX_LATENCY_MICROS = TimeUnit.MINUTES.toMicros(5);
    /**
     * How long a fixed-rate run may go on past its end to send payments already due: beyond, the
     * ones not sent count as errors (the load generator could not keep the rate).
     */
    static final Duration FIXED_RATE_DRAIN = Duration.ofSeconds(30);

    /** Who pays whom: a distribution of user indexes. */
    interface Accounts {
        int next(SplittableRandom random);
    }

    static Accounts uniform(int users) {
        return random -> random.nextInt(users);
    }

    /**
     * Zipf over the users, the ranks shuffled once (fixed seed) so the hot accounts are not the first
     * signed up, whose ids (time-ordered) also sort first in the ledger's lock order.
     */
    static Accounts zipf(int users, double exponent) {
        ZipfDistribution zipf = new ZipfDistribution(users, exponent);
        int[] userOfRank = new int[users];
        for (int i = 0; i < users; i++) {
            userOfRank[i] = i;
        }
        SplittableRandom shuffle = new SplittableRandom(7);
        for (int i = users - 1; i > 0; i--) {
            int j = shuffle.nextInt(i + 1);
            int swap = userOfRank[i];
            userOfRank[i] = userOfRank[j];
            userOfRank[j] = swap;
        }
        return random -> userOfRank[zipf.sample(random)];
    }

    /**
     * What one scenario measured over its measurement window.
     *
     * @param offeredPerSecond the fixed rate asked for; 0 in a closed loop
     * @param errors           failed requests by HTTP status and problem code, or by client exception
     * @param cpuNanos         CPU used in the window by each part (see {@link CpuMeter})
     * @param connects         connections opened by the load threads during the whole scenario
     */
    record Result(
            String name,
            int clients,
            double offeredPerSecond,
            double seconds,
            long succeeded,
            Histogram latencyMicros,
            Map<String, Long> errors,
            Map<String, Long> cpuNanos,
            long connects) {
        long requests() {
            return succeeded
                    + errors.values().stream().mapToLong(Long::longValue).sum();
        }

        double transfersPerSecond() {
            return succeeded / seconds;
        }
    }

    private final List<User> users;
    private final String[] authorizations;
    private final String[] userIds;
    private final Supplier<LoadConnection> connections;
    private final CpuMeter cpu;
    private final int clients;
    /** Makes every Idempotency-Key of this run unique: one prefix per run, then scenario, thread and sequence. */
    private final String runId = Long.toString(System.currentTimeMillis(), 36);

    private final AtomicLong scenarios = new AtomicLong();

    TransferLoad(List<User> users, Supplier<LoadConnection> connections, CpuMeter cpu, int clients) {
        this.users = users;
        this.connections = connections;
        this.cpu = cpu;
        this.clients = clients;
        this.authorizations =
                users.stream().map(user -> "Bearer " + user.token()).toArray(String[]::new);
        this.userIds = users.stream().map(user -> user.id().toString()).toArray(String[]::new);
    }

    Result closedLoop(String name, Accounts accounts, Duration warmUp, Duration measurement)
            throws InterruptedException {
        return run(name, accounts, 0, warmUp, measurement);
    }

    Result fixedRate(String name, Accounts accounts, double perSecond, Duration warmUp, Duration measurement)
            throws InterruptedException {
        if (!(perSecond > 0)) {
            throw new IllegalArgumentException("a fixed rate must be above 0, not " + perSecond);
        }
        return run(name, accounts, perSecond, warmUp, measurement);
    }

    /** The phases' boundaries on the {@link System#nanoTime()} clock, shared by every load thread. */
    private record Window(
            long start,
            long measureFrom,
            long measureUntil,
            long giveUpAt,
            double intervalNanos,
            CountDownLatch sampled) {
        boolean measured(long nanos) {
            return nanos >= measureFrom && nanos < measureUntil;
        }

        boolean fixedRate() {
            return intervalNanos > 0;
        }

        /** When payment {@code index} is due in a fixed-rate run. */
        long due(long index) {
            return start + (long) (index * intervalNanos);
        }
    }

    private Result run(String name, Accounts accounts, double perSecond, Duration warmUp, Duration measurement)
            throws InterruptedException {
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
        long measureFrom = start + warmUp.toNanos();
        long measureUntil = measureFrom + measurement.toNanos();
        Window window = new Window(
                start,
                measureFrom,
                measureUntil,
                measureUntil + FIXED_RATE_DRAIN.toNanos(),
                perSecond > 0 ? 1e9 / perSecond : 0,
                new CountDownLatch(1));
        String keyPrefix = "bench-" + runId + "-" + scenarios.incrementAndGet() + "-";
        AtomicLong nextIndex = new AtomicLong();
        Map<String, LongAdder> errors = new ConcurrentHashMap<>();
        List<Worker> workers = new ArrayList<>(clients);
        List<Thread> threads = new ArrayList<>(clients);
        for (int c = 0; c < clients; c++) {
            Worker worker = new Worker(keyPrefix + c + "-", accounts, window, nextIndex, errors);
            workers.add(worker);
            threads.add(Thread.ofPlatform().name("bench-load-" + c).start(worker));
        }
        sleepUntil(measureFrom);
        Map<String, Long> cpuBefore = cpu.sample();
        sleepUntil(measureUntil);
        Map<String, Long> cpuAfter = cpu.sample();
        window.sampled().countDown();
        for (Thread thread : threads) {
            thread.join();
        }
        Histogram latencies = new Histogram(MAX_LATENCY_MICROS, 3);
        long succeeded = 0;
        long connects = 0;
        for (Worker worker : workers) {
            latencies.add(worker.latencies);
            succeeded += worker.succeeded;
            connects += worker.connects;
        }
        Map<String, Long> errorCounts = new TreeMap<>();
        errors.forEach((key, count) -> errorCounts.put(key, count.sum()));
        if (window.fixedRate()) {
            // Payments due inside the window that no thread got to send before giving up.
            long firstDue = (long) Math.ceil((measureFrom - start) / window.intervalNanos());
            long firstAfter = (long) Math.ceil((measureUntil - start) / window.intervalNanos());
            long answered = succeeded
                    + errorCounts.values().stream().mapToLong(Long::longValue).sum();
            long unsent = firstAfter - firstDue - answered;
            if (unsent > 0) {
                errorCounts.put(
                        "client: not sent by " + FIXED_RATE_DRAIN.toSeconds()
                                + " s after the end (the rate was not kept)",
                        unsent);
            }
        }
        return new Result(
                name,
                clients,
                perSecond,
                measurement.toNanos() / 1e9,
                succeeded,
                latencies,
                errorCounts,
                CpuMeter.between(cpuBefore, cpuAfter),
                connects);
    }

    private static void sleepUntil(long nanos) throws InterruptedException {
        for (long wait = nanos - System.nanoTime(); wait > 0; wait = nanos - System.nanoTime()) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }

    /** One load thread: its connection, its random numbers and its own histogram, so nothing is shared on the hot path. */
    private final class Worker implements Runnable {
        private final String keyPrefix;
        private final Accounts accounts;
        private final Window window;
        private final AtomicLong nextIndex;
        private final Map<String, LongAdder> errors;
        private final SplittableRandom random;
        private final Histogram latencies = new Histogram(MAX_LATENCY_MICROS, 3);
        private long succeeded;
        private long connects;
        private long sequence;

        Worker(
                String keyPrefix,
                Accounts accounts,
                Window window,
                AtomicLong nextIndex,
                Map<String, LongAdder> errors) {
            this.keyPrefix = keyPrefix;
            this.accounts = accounts;
            this.window = window;
            this.nextIndex = nextIndex;
            this.errors = errors;
            this.random = new SplittableRandom(System.nanoTime() ^ ((long) keyPrefix.hashCode() << 32));
        }

        @Override
        public void run() {
            cpu.registerLoadThread();
            try (LoadConnection connection = connections.get()) {
                while (true) {
                    long due;
                    if (window.fixedRate()) {
                        long index = nextIndex.getAndIncrement();
                        due = window.due(index);
                        if (due >= window.measureUntil() || System.nanoTime() >= window.giveUpAt()) {
                            break;
                        }
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            LockSupport.parkNanos(wait);
                        }
                    } else {
                        due = System.nanoTime();
                        if (due >= window.measureUntil()) {
                            break;
                        }
                        // Closed loop: latency runs from the send, which is now.
                    }
                    send(connection, due);
                }
                connects = connection.connects();
                // A thread's CPU time is gone with the thread: live until the window's last sample is taken.
                window.sampled().await();
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
        }

        private void send(LoadConnection connection, long due) {
            int payer = accounts.next(random);
            int payee = accounts.next(random);
            while (payee == payer) {
                payee = accounts.next(random);
            }
            int cents = 1 + random.nextInt(100);
            byte[] body = ("{\"to_user_id\":\"" + userIds[payee] + "\",\"amount\":\"" + cents / 100 + "."
                            + cents % 100 / 10 + cents % 10 + "\",\"currency\":\"" + BenchWallet.CURRENCY
                            + "\",\"note\":\"bench\"}")
                    .getBytes(StandardCharsets.UTF_8);
            String idempotencyKey = keyPrefix + sequence++;
            String error = null;
            try {
                LoadConnection.Response response = connection.post(PATH, authorizations[payer], idempotencyKey, body);
                if (response.status() != 201) {
                    error = response.status() + " "
                            + BenchWallet.problemCode(
                                    response.status(), new String(response.body(), StandardCharsets.UTF_8));
                }
            } catch (IOException failure) {
                error = "client: " + failure.getClass().getSimpleName();
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                error = "client: interrupted";
            }
            long done = System.nanoTime();
            // A fixed-rate payment belongs to the window it was due in; a closed-loop one to the window it ended in.
            if (window.measured(window.fixedRate() ? due : done)) {
                if (error == null) {
                    succeeded++;
                    latencies.recordValue(Math.min(MAX_LATENCY_MICROS, (done - due) / 1_000));
                } else {
                    errors.computeIfAbsent(error, key -> new LongAdder()).increment();
                }
            }
        }
    }
}
