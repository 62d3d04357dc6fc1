package org.openwallet.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import org.openwallet.bench.BenchWallet.User;
import org.openwallet.devstack.EmbeddedBankSimulator;
import org.openwallet.devstack.EmbeddedCassandra;
import org.openwallet.devstack.EmbeddedRedis;
import org.openwallet.ledger.LedgerVerifier;
import org.openwallet.platform.database.DatabaseEndpoint;
import org.springframework.jdbc.core.simple.JdbcClient;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code ./wallet bench}: payments per second end to end through HTTP on a throwaway wallet with
 * every real component, side by side with pgbench's tpcb-like on the same PostgreSQL server.
 *
 * <ol>
 *   <li>Starts the wallet as {@code ./wallet run} does (see {@link BenchWallet}), signs up and logs
 *       in {@code --users} users over HTTP and funds them through the ledger.</li>
 *   <li>Runs the scenarios ({@link Scenario}): closed loops of {@code --clients} connections and a
 *       fixed arrival rate, payers and payees drawn uniformly or Zipf-distributed (hot accounts),
 *       each with a warm-up that is not recorded. Per scenario: transfers/s, latency percentiles,
 *       errors by status and problem code, and CPU per transfer of each process.</li>
 *   <li>Runs pgbench ({@link PgbenchBaseline}) with as many clients against the same server.</li>
 *   <li>Verifies the ledger ({@link LedgerVerifier}) and fails when anything is off.</li>
 * </ol>
 * The last line is {@code wallet/pgbench ratio: <x.xx>}: closed-loop uniform transfers/s over
 * pgbench transactions/s at the same client count.
 *
 * <p>This is the {@code bench} command of {@link Benchmarks}' picocli command line: its options are
 * the annotated fields, and {@link #validate} applies what their types cannot say (bounds, the rule
 * between {@code --scenarios} and {@code --rate}, the Spring settings) before anything starts. An
 * option not given reads as its default, which {@code --quick} shortens for users, warm-up and
 * duration.
 */
@Command(
        name = TransferBenchmark.NAME,
        header = "Payments per second end to end over HTTP, beside pgbench on the same PostgreSQL server.",
        synopsisHeading = "usage: ",
        customSynopsis = "./wallet bench [options] [--spring.property=value ...]",
        description = {
            "  Payments per second end to end over HTTP on a throwaway wallet with every real component",
            "  (started as ./wallet run starts it: fsync and synchronous_commit on), then pgbench tpcb-like",
            "  on the same PostgreSQL server, then the ledger verification. The last line is",
            "  \"wallet/pgbench ratio: <x.xx>\" (closed-uniform transfers/s over pgbench transactions/s).",
            "  Fraud and rate limits stay in the path with bounds no run reaches. pgbench comes from",
            "  /usr/lib/postgresql/<newest>/bin or the PATH (apt-get install postgresql-client-15);",
            "  without it the ratio is skipped. pgbench's scale (branches) is the client count, so",
            "  its clients do not all queue on a few branch rows."
        },
        optionListHeading = "%n",
        footer = "      --x.y=z              any other wallet setting, as for ./wallet run",
        sortOptions = false,
        usageHelpWidth = Benchmarks.USAGE_WIDTH)
public final class TransferBenchmark extends BenchmarkCommand {
    static final String NAME = "bench";
    static final int DEFAULT_USERS = 10_000;
    static final int MAX_USERS = 200_000;
    static final int DEFAULT_CLIENTS = 64;
    static final int MAX_CLIENTS = 1_000;
    static final int DEFAULT_WARM_UP_SECONDS = 30;
    static final int DEFAULT_DURATION_SECONDS = 60;
    static final int MAX_SECONDS = 3_600;
    static final int MAX_RATE = 1_000_000;
    static final double DEFAULT_ZIPF_EXPONENT = 1.0;
    /** The fixed-rate scenarios offer this share of the closed-loop uniform throughput, unless {@code --rate} says. */
    static final double RATE_SHARE_OF_CLOSED_LOOP = 0.8;
    /** A smoke run must end within two minutes on two cores, setting up included. */
    static final int QUICK_USERS = 1_000;

    static final int QUICK_WARM_UP_SECONDS = 2;
    static final int QUICK_DURATION_SECONDS = 8;
    /** A pause with no load before the scenarios, to show what each process uses doing nothing. */
    static final Duration IDLE_MEASUREMENT = Duration.ofSeconds(5);

    static final Duration QUICK_IDLE_MEASUREMENT = Duration.ofSeconds(2);
    /** Not the server's CPU: the clients (load generator, pgbench) and the machine's total. */
    private static final Set<String> CLIENT_AND_MACHINE =
            Set.of(CpuMeter.LOAD, CpuMeter.EXITED_CHILDREN, CpuMeter.MACHINE);
    /** What each user is funded with: $1,000,000, more than a run of payments of at most $1.00 can take from anyone. */
    static final long FUNDING_MINOR = 100_000_000L;

    /** What can be run, in the order it runs. */
    enum Scenario {
        CLOSED_UNIFORM("closed-uniform", "closed loop, payer and payee uniform"),
        CLOSED_ZIPF("closed-zipf", "closed loop, payer and payee Zipf-distributed"),
        RATE_UNIFORM("rate-uniform", "fixed arrival rate, payer and payee uniform"),
        RATE_ZIPF("rate-zipf", "fixed arrival rate, payer and payee Zipf-distributed"),
        PGBENCH("pgbench", "pgbench tpcb-like on the same PostgreSQL server");

        static final Set<Scenario> DEFAULTS = EnumSet.of(CLOSED_UNIFORM, CLOSED_ZIPF, RATE_UNIFORM, PGBENCH);

        final String id;
        final String description;

        Scenario(String id, String description) {
            this.id = id;
            this.description = description;
        }

        boolean fixedRate() {
            return this == RATE_UNIFORM || this == RATE_ZIPF;
        }

        boolean zipf() {
            return this == CLOSED_ZIPF || this == RATE_ZIPF;
        }

        static Scenario of(String id) {
            return Arrays.stream(values())
                    .filter(scenario -> scenario.id.equals(id))
                    .findFirst()
                    .orElseThrow(() -> new TypeConversionException("no scenario " + id + "; there are "
                            + Arrays.stream(values())
                                    .map(scenario -> scenario.id)
                                    .collect(Collectors.joining(", "))));
        }
    }

    /** Which HTTP client the load threads use. */
    enum Client {
        PLAIN,
        JDK
    }

    /** A scenario by its id ({@code closed-uniform}), blanks around it ignored. */
    static final class ScenarioConverter implements ITypeConverter<Scenario> {
        @Override
        public Scenario convert(String id) {
            return Scenario.of(id.strip());
        }
    }

    /** {@code plain} or {@code jdk}. */
    static final class ClientConverter implements ITypeConverter<Client> {
        @Override
        public Client convert(String text) {
            return switch (text) {
                case "plain" -> Client.PLAIN;
                case "jdk" -> Client.JDK;
                default -> throw new TypeConversionException("must be plain or jdk, not " + text);
            };
        }
    }

    @Option(
            names = "--users",
            paramLabel = "N",
            description = "users signed up, logged in and funded (default " + DEFAULT_USERS + "; --quick " + QUICK_USERS
                    + ")")
    private Integer users;

    @Option(
            names = "--clients",
            paramLabel = "N",
            description = "concurrent connections of the load and pgbench clients (default " + DEFAULT_CLIENTS + ")")
    private int clients = DEFAULT_CLIENTS;

    @Option(
            names = "--warmup",
            paramLabel = "S",
            description = "seconds of unrecorded warm-up before each scenario (default " + DEFAULT_WARM_UP_SECONDS
                    + "; --quick " + QUICK_WARM_UP_SECONDS + ")")
    private Integer warmUpSeconds;

    @Option(
            names = "--duration",
            paramLabel = "S",
            description = "seconds measured per scenario, pgbench included (default " + DEFAULT_DURATION_SECONDS
                    + "; --quick " + QUICK_DURATION_SECONDS + ")")
    private Integer durationSeconds;

    /** Payments per second of the fixed-rate scenarios; not given: 80% of the closed-loop uniform throughput. */
    @Option(
            names = "--rate",
            paramLabel = "R",
            description = "payments/s of the fixed-rate scenarios (default 80%% of closed-uniform's result)")
    private Integer rate;

    /** What runs, always in {@link Scenario} order; not given: {@link Scenario#DEFAULTS}. */
    @Option(
            names = "--scenarios",
            paramLabel = "LIST",
            split = ",",
            hideParamSyntax = true,
            converter = ScenarioConverter.class,
            description = {
                "comma-separated, run in this order (default closed-uniform,closed-zipf,rate-uniform,pgbench):",
                "  closed-uniform  closed loop, payer and payee uniform over the users",
                "  closed-zipf     closed loop, payer and payee Zipf-distributed (hot accounts)",
                "  rate-uniform    fixed arrival rate, latency from each payment's due time",
                "  rate-zipf       fixed arrival rate, Zipf",
                "  pgbench         pgbench -i -s <clients>, then -M prepared -b tpcb-like -c <clients> -j 2"
            })
    private List<Scenario> scenarios;

    @Option(
            names = "--zipf-exponent",
            paramLabel = "X",
            description = "the Zipf exponent (default " + DEFAULT_ZIPF_EXPONENT + "; 0 is uniform)")
    private double zipfExponent = DEFAULT_ZIPF_EXPONENT;

    @Option(
            names = "--client",
            paramLabel = "plain|jdk",
            converter = ClientConverter.class,
            description = "the load's HTTP/1.1 client: plain sockets (default; cheapest) or java.net.http")
    private Client client = Client.PLAIN;

    @Option(
            names = "--quick",
            description = "a smoke run of under 2 minutes: fewer users, short warm-up and measurement")
    private boolean quick;

    /** The command, which starts {@code applicationClass} (the wallet's) as its throwaway wallet. */
    TransferBenchmark(Class<?> applicationClass) {
        super(applicationClass);
    }

    @Override
    void validate(CommandLine commandLine) {
        requireBetween(commandLine, "--users", users, 2, MAX_USERS);
        requireBetween(commandLine, "--clients", clients, 1, MAX_CLIENTS);
        requireBetween(commandLine, "--warmup", warmUpSeconds, 0, MAX_SECONDS);
        requireBetween(commandLine, "--duration", durationSeconds, 1, MAX_SECONDS);
        requireBetween(commandLine, "--rate", rate, 1, MAX_RATE);
        if (!(zipfExponent >= 0 && zipfExponent <= 5)) {
            throw new ParameterException(commandLine, "--zipf-exponent must be between 0 and 5, not " + zipfExponent);
        }
        boolean needsRate = scenarios().stream().anyMatch(Scenario::fixedRate);
        if (needsRate && rate == null && !scenarios().contains(Scenario.CLOSED_UNIFORM)) {
            throw new ParameterException(
                    commandLine, "a fixed-rate scenario needs --rate, or closed-uniform to take 80% of");
        }
    }

    int users() {
        return users != null ? users : quick ? QUICK_USERS : DEFAULT_USERS;
    }

    int clients() {
        return clients;
    }

    int warmUpSeconds() {
        return warmUpSeconds != null ? warmUpSeconds : quick ? QUICK_WARM_UP_SECONDS : DEFAULT_WARM_UP_SECONDS;
    }

    int durationSeconds() {
        return durationSeconds != null ? durationSeconds : quick ? QUICK_DURATION_SECONDS : DEFAULT_DURATION_SECONDS;
    }

    /** Payments per second of the fixed-rate scenarios; 0: 80% of the closed-loop uniform throughput. */
    int rate() {
        return rate != null ? rate : 0;
    }

    Set<Scenario> scenarios() {
        return scenarios != null ? EnumSet.copyOf(scenarios) : EnumSet.copyOf(Scenario.DEFAULTS);
    }

    double zipfExponent() {
        return zipfExponent;
    }

    Client client() {
        return client;
    }

    boolean quick() {
        return quick;
    }

    /** The scenarios chosen, in the order they run. */
    List<Scenario> ordered() {
        return Arrays.stream(Scenario.values()).filter(scenarios()::contains).toList();
    }

    @Override
    int run() {
        long started = System.nanoTime();
        Outcome outcome;
        try (BenchWallet wallet = BenchWallet.start(NAME, applicationClass, springArgs())) {
            outcome = new Run(wallet, this).measure();
        } catch (Exception failure) {
            System.err.println(NAME + ": failed: " + failure);
            failure.printStackTrace();
            return 1;
        }
        // After the wallet stopped, so nothing it logs on the way down comes after the ratio.
        System.out.printf(Locale.ROOT, "%s: finished in %.0f s%n", NAME, (System.nanoTime() - started) / 1e9);
        System.out.println(outcome.lastLine());
        System.out.flush();
        return outcome.exitCode();
    }

    /** How the run ended: its exit code, and the line to end with (the ratio, or why there is none). */
    private record Outcome(int exitCode, String lastLine) {}

    private static final class Run {
        private final BenchWallet wallet;
        private final TransferBenchmark options;
        private final CpuMeter cpu;
        private final JdbcClient jdbc;
        private final List<TransferLoad.Result> results = new ArrayList<>();

        Run(BenchWallet wallet, TransferBenchmark options) throws IOException {
            this.wallet = wallet;
            this.options = options;
            this.jdbc = wallet.context().getBean(JdbcClient.class);
            Map<String, Long> processes = new LinkedHashMap<>();
            processes.put(CpuMeter.POSTGRES, postmasterPid());
            // The development stack's servers, by the PIDs they report (DevStack registers them in the
            // wallet's context). Found among this JVM's children by command line instead, Cassandra went
            // uncounted in a --quick run.
            wallet.context()
                    .getBeanProvider(EmbeddedRedis.class)
                    .ifAvailable(redis -> processes.put(CpuMeter.REDIS, redis.pid()));
            wallet.context()
                    .getBeanProvider(EmbeddedCassandra.class)
                    .ifAvailable(node -> processes.put(CpuMeter.CASSANDRA, node.pid()));
            wallet.context()
                    .getBeanProvider(EmbeddedBankSimulator.class)
                    .ifAvailable(bank -> processes.put(CpuMeter.BANK, bank.pid()));
            this.cpu = new CpuMeter(
                    processes,
                    name -> CpuMeter.KAFKA_BROKER_THREAD.matcher(name).matches());
        }

        /** Runs everything but the last line. */
        Outcome measure() throws Exception {
            printMachine();
            long setUpStart = System.nanoTime();
            List<User> users = wallet.signUp(options.users());
            double signUpSeconds = (System.nanoTime() - setUpStart) / 1e9;
            long fundStart = System.nanoTime();
            wallet.fund(users, FUNDING_MINOR);
            System.out.printf(
                    Locale.ROOT,
                    "%s: %d users signed up, logged in and shown their balance over HTTP in %.1f s (%.0f/s; Argon2id at %d KiB),"
                            + " funded through the ledger in %.1f s%n",
                    NAME,
                    users.size(),
                    signUpSeconds,
                    users.size() / signUpSeconds,
                    wallet.context().getEnvironment().getProperty("wallet.passwords.memory-kib", Integer.class, 16384),
                    (System.nanoTime() - fundStart) / 1e9);

            measureIdle();

            Optional<PgbenchBaseline.Result> pgbench = Optional.empty();
            String pgbenchMissing = "the pgbench scenario was not chosen";
            try (LoadClients clients = new LoadClients()) {
                TransferLoad load = new TransferLoad(users, clients, cpu, options.clients());
                double closedUniformPerSecond = 0;
                for (Scenario scenario : options.ordered()) {
                    if (scenario == Scenario.PGBENCH) {
                        continue;
                    }
                    TransferLoad.Accounts accounts = scenario.zipf()
                            ? TransferLoad.zipf(users.size(), options.zipfExponent())
                            : TransferLoad.uniform(users.size());
                    Duration warmUp = Duration.ofSeconds(options.warmUpSeconds());
                    Duration measurement = Duration.ofSeconds(options.durationSeconds());
                    TransferLoad.Result result;
                    if (scenario.fixedRate()) {
                        double rate = options.rate() > 0
                                ? options.rate()
                                : RATE_SHARE_OF_CLOSED_LOOP * closedUniformPerSecond;
                        if (!(rate >= 1)) {
                            System.out.printf(
                                    "%s: %s skipped: closed-uniform completed no transfers to take 80%% of%n",
                                    NAME, scenario.id);
                            continue;
                        }
                        printScenarioStart(
                                scenario,
                                String.format(
                                        Locale.ROOT,
                                        "%.0f payments/s offered from %d connections",
                                        rate,
                                        options.clients()));
                        result = load.fixedRate(scenario.id, accounts, rate, warmUp, measurement);
                    } else {
                        printScenarioStart(scenario, options.clients() + " clients");
                        result = load.closedLoop(scenario.id, accounts, warmUp, measurement);
                    }
                    if (scenario == Scenario.CLOSED_UNIFORM) {
                        closedUniformPerSecond = result.transfersPerSecond();
                    }
                    results.add(result);
                    print(result);
                }
            }
            if (options.scenarios().contains(Scenario.PGBENCH)) {
                Optional<Path> binary = PgbenchBaseline.find();
                if (binary.isEmpty()) {
                    pgbenchMissing =
                            "pgbench not found (looked in /usr/lib/postgresql/*/bin and on the PATH); install it, e.g."
                                    + " apt-get install postgresql-client-15 (any client from 13 on works against this PostgreSQL 17)";
                    System.out.println(NAME + ": " + pgbenchMissing);
                } else {
                    pgbench = pgbench(binary.get());
                    if (pgbench.isEmpty()) {
                        pgbenchMissing = "pgbench did not complete (see above)";
                    }
                }
            }

            boolean ledgerOk = verifyLedger();
            printSummary(pgbench);
            Optional<TransferLoad.Result> closedUniform = results.stream()
                    .filter(result -> result.name().equals(Scenario.CLOSED_UNIFORM.id))
                    .findFirst();
            String lastLine;
            if (closedUniform.isEmpty()) {
                lastLine = "wallet/pgbench ratio not measured: the closed-uniform scenario was not chosen";
            } else if (pgbench.isEmpty()) {
                lastLine = "wallet/pgbench ratio not measured: " + pgbenchMissing;
            } else {
                lastLine = String.format(
                        Locale.ROOT,
                        "wallet/pgbench ratio: %.2f",
                        closedUniform.get().transfersPerSecond() / pgbench.get().transactionsPerSecond());
            }
            boolean everyScenarioPaid = results.stream().allMatch(result -> result.succeeded() > 0);
            if (!everyScenarioPaid) {
                System.out.println(NAME + ": FAILED: a scenario completed no transfer at all");
            }
            if (!ledgerOk) {
                System.out.println(NAME + ": FAILED: the ledger verification found differences");
            }
            return new Outcome(ledgerOk && everyScenarioPaid ? 0 : 1, lastLine);
        }

        /** What the processes use with no payments at all (pollers, compaction, GC): the floor under every figure per transfer. */
        private void measureIdle() throws InterruptedException {
            Map<String, Long> before = cpu.sample();
            long start = System.nanoTime();
            Thread.sleep((options.quick() ? QUICK_IDLE_MEASUREMENT : IDLE_MEASUREMENT).toMillis());
            Map<String, Long> used = CpuMeter.between(before, cpu.sample());
            double seconds = (System.nanoTime() - start) / 1e9;
            long others = CpuMeter.others(used);
            used.remove(CpuMeter.EXITED_CHILDREN);
            used.remove(CpuMeter.LOAD);
            used.remove(CpuMeter.MACHINE);
            used.put("other processes", others);
            System.out.printf(
                    Locale.ROOT,
                    "%s: idle for %.0f s, cores busy: %s%n",
                    NAME,
                    seconds,
                    used.entrySet().stream()
                            .map(part -> String.format(
                                    Locale.ROOT, "%s %.3f", part.getKey(), part.getValue() / 1e9 / seconds))
                            .collect(Collectors.joining(", ")));
        }

        private Optional<PgbenchBaseline.Result> pgbench(Path binary) {
            PgbenchBaseline baseline = new PgbenchBaseline(
                    binary, wallet.context().getBean(DatabaseEndpoint.class), jdbc, cpu, wallet.dataDirectory());
            int free = baseline.freeConnections();
            if (options.clients() > free) {
                System.out.printf(
                        "%s: pgbench skipped: %d clients, but the server has only %d connections left (max_connections)%n",
                        NAME, options.clients(), free);
                return Optional.empty();
            }
            System.out.printf(
                    "%n%s: pgbench - %s; %d clients, %d threads, warm-up %d s, measured %d s%n",
                    NAME,
                    Scenario.PGBENCH.description,
                    options.clients(),
                    PgbenchBaseline.THREADS,
                    options.warmUpSeconds(),
                    options.durationSeconds());
            try {
                PgbenchBaseline.Result result = baseline.run(
                        options.clients(),
                        Duration.ofSeconds(options.warmUpSeconds()),
                        Duration.ofSeconds(options.durationSeconds()),
                        NAME);
                System.out.printf(
                        Locale.ROOT,
                        "  %s against PostgreSQL %s; database %s, scale %d, initialised in %.1f s%n",
                        result.pgbenchVersion(),
                        result.serverVersion(),
                        PgbenchBaseline.DATABASE,
                        result.scale(),
                        result.initSeconds());
                System.out.println("  server settings: "
                        + result.settings().entrySet().stream()
                                .map(setting -> setting.getKey() + "=" + setting.getValue())
                                .collect(Collectors.joining(", ")));
                System.out.printf(
                        Locale.ROOT,
                        "  transactions/s %.1f (%d transactions, %d failed; latency average %.2f ms)%n",
                        result.transactionsPerSecond(),
                        result.transactions(),
                        result.failed(),
                        result.latencyAverageMillis());
                System.out.println("  latency        " + BenchWallet.latencies(result.latencyMicros()));
                Map<String, Long> cpuNanos = new LinkedHashMap<>(result.cpuNanos());
                // Processes this JVM started and reaped during the run: pgbench itself.
                cpuNanos.put("pgbench", cpuNanos.remove(CpuMeter.EXITED_CHILDREN));
                cpuNanos.remove(CpuMeter.LOAD);
                printCpu(cpuNanos, result.transactions(), result.seconds(), "transaction");
                return Optional.of(result);
            } catch (Exception failure) {
                System.out.println("  pgbench failed: " + failure.getMessage());
                return Optional.empty();
            }
        }

        private boolean verifyLedger() {
            LedgerVerifier.Report report =
                    wallet.context().getBean(LedgerVerifier.class).verify();
            System.out.println();
            System.out.println(NAME + ": ledger verification: " + report.summary());
            report.problems().forEach(problem -> System.out.println("  " + problem));
            return report.ok();
        }

        private void printMachine() {
            String cpuModel = "unknown CPU";
            try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
                cpuModel = lines.filter(line -> line.startsWith("model name"))
                        .findFirst()
                        .map(line -> line.substring(line.indexOf(':') + 1).strip())
                        .orElse(cpuModel);
            } catch (IOException | RuntimeException unreadable) {
                // Not Linux, or no model name: the core count still says what matters.
            }
            long memoryBytes = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                    .getTotalMemorySize();
            System.out.printf(
                    Locale.ROOT,
                    "%s: machine: %d cores (%s), %.1f GiB memory; Java %s; load client %s%n",
                    NAME,
                    Runtime.getRuntime().availableProcessors(),
                    cpuModel,
                    memoryBytes / (1024.0 * 1024 * 1024),
                    Runtime.version(),
                    options.client() == Client.PLAIN ? "plain sockets" : "java.net.http");
            System.out.println(NAME + ": PostgreSQL "
                    + jdbc.sql("SHOW server_version").query(String.class).single() + ": "
                    + Stream.of("fsync", "synchronous_commit", "full_page_writes")
                            .map(setting -> setting + "="
                                    + jdbc.sql("SHOW " + setting)
                                            .query(String.class)
                                            .single())
                            .collect(Collectors.joining(", ")));
        }

        private void printScenarioStart(Scenario scenario, String load) {
            System.out.printf(
                    Locale.ROOT,
                    "%n%s: %s - %s over %d users%s; %s; warm-up %d s, measured %d s%n",
                    NAME,
                    scenario.id,
                    scenario.description,
                    options.users(),
                    scenario.zipf() ? " (exponent " + options.zipfExponent() + ")" : "",
                    load,
                    options.warmUpSeconds(),
                    options.durationSeconds());
        }

        private void print(TransferLoad.Result result) {
            String offered = result.offeredPerSecond() > 0
                    ? String.format(Locale.ROOT, " of %.0f/s offered", result.offeredPerSecond())
                    : "";
            System.out.printf(
                    Locale.ROOT,
                    "  transfers/s    %.1f%s (%d transfers, %d errors)%n",
                    result.transfersPerSecond(),
                    offered,
                    result.succeeded(),
                    result.requests() - result.succeeded());
            System.out.println("  latency        " + BenchWallet.latencies(result.latencyMicros())
                    + (result.offeredPerSecond() > 0 ? " (from each payment's due time)" : ""));
            System.out.println("  errors         "
                    + (result.errors().isEmpty()
                            ? "none"
                            : result.errors().entrySet().stream()
                                    .map(error -> error.getKey() + ": " + error.getValue())
                                    .collect(Collectors.joining(", "))));
            Map<String, Long> cpuNanos = new LinkedHashMap<>(result.cpuNanos());
            cpuNanos.remove(CpuMeter.EXITED_CHILDREN);
            printCpu(cpuNanos, result.requests(), result.seconds(), "transfer");
            if (result.connects() > result.clients()) {
                System.out.printf(
                        Locale.ROOT,
                        "  connections    %d opened by %d clients: the server closed keep-alive connections %d times%n",
                        result.connects(),
                        result.clients(),
                        result.connects() - result.clients());
            }
        }

        private static void printCpu(Map<String, Long> used, long count, double seconds, String what) {
            Map<String, Long> cpuNanos = new LinkedHashMap<>(used);
            cpuNanos.remove(CpuMeter.MACHINE);
            long total = cpuNanos.values().stream().mapToLong(Long::longValue).sum();
            System.out.printf(
                    Locale.ROOT,
                    "  CPU/%-10s %s; total %.0f us (%.2f cores busy)%n",
                    what,
                    cpuNanos.entrySet().stream()
                            .map(part -> String.format(
                                    Locale.ROOT, "%s %.0f us", part.getKey(), perEach(part.getValue(), count)))
                            .collect(Collectors.joining(", ")),
                    perEach(total, count),
                    total / 1e9 / seconds);
            System.out.printf(
                    Locale.ROOT,
                    "                 (Kafka's broker runs inside the wallet JVM, counted by its threads; GC and JIT count for"
                            + " the wallet; other processes on the machine meanwhile: %.2f cores)%n",
                    CpuMeter.others(used) / 1e9 / seconds);
        }

        private static double perEach(long nanos, long count) {
            return count == 0 ? Double.NaN : nanos / 1e3 / count;
        }

        private void printSummary(Optional<PgbenchBaseline.Result> pgbench) {
            System.out.printf(
                    "%n%s: summary (%d clients, %d users, measured %d s each)%n",
                    NAME, options.clients(), options.users(), options.durationSeconds());
            System.out.printf(
                    Locale.ROOT,
                    "  %-15s %10s %9s %9s %9s %9s %8s %14s%n",
                    "scenario",
                    "per second",
                    "p50 ms",
                    "p90 ms",
                    "p99 ms",
                    "p99.9 ms",
                    "errors",
                    "server CPU us");
            for (TransferLoad.Result result : results) {
                summaryRow(
                        result.name(),
                        result.transfersPerSecond(),
                        result.latencyMicros(),
                        result.requests() - result.succeeded(),
                        result.cpuNanos(),
                        result.requests());
            }
            pgbench.ifPresent(result -> summaryRow(
                    "pgbench",
                    result.transactionsPerSecond(),
                    result.latencyMicros(),
                    result.failed(),
                    result.cpuNanos(),
                    result.transactions()));
        }

        /** One row of the summary: throughput, latency, errors, and the server's CPU (every process but the client's) per transfer. */
        private static void summaryRow(
                String name, double perSecond, Histogram micros, long errors, Map<String, Long> cpuNanos, long count) {
            long total = cpuNanos.entrySet().stream()
                    .filter(part -> !CLIENT_AND_MACHINE.contains(part.getKey()))
                    .mapToLong(Map.Entry::getValue)
                    .sum();
            System.out.printf(
                    Locale.ROOT,
                    "  %-15s %10.1f %9.2f %9.2f %9.2f %9.2f %8d %14.0f%n",
                    name,
                    perSecond,
                    micros.getValueAtPercentile(50) / 1e3,
                    micros.getValueAtPercentile(90) / 1e3,
                    micros.getValueAtPercentile(99) / 1e3,
                    micros.getValueAtPercentile(99.9) / 1e3,
                    errors,
                    perEach(total, count));
        }

        /** The PostgreSQL server's postmaster: the first line of {@code postmaster.pid} in the embedded server's data directory. */
        private long postmasterPid() throws IOException {
            // The embedded server keeps its files in <data dir>/postgres (platform.DatabaseConfiguration).
            return CpuMeter.postmasterPid(wallet.dataDirectory().resolve("postgres"));
        }

        /** One load connection per load thread, of the chosen kind; closing this stops the JDK client's threads. */
        private final class LoadClients implements Supplier<LoadConnection>, AutoCloseable {
            private final HttpClient jdkClient;
            private final ExecutorService jdkExecutor;

            LoadClients() {
                if (options.client() == Client.JDK) {
                    Set<Long> before = Arrays.stream(
                                    ManagementFactory.getThreadMXBean().getAllThreadIds())
                            .boxed()
                            .collect(Collectors.toSet());
                    ThreadFactory named =
                            Thread.ofPlatform().name("bench-load-http-", 0).factory();
                    // The client's worker threads come and go; each counts as the load's from its start.
                    jdkExecutor = Executors.newCachedThreadPool(task -> named.newThread(() -> {
                        cpu.registerLoadThread();
                        task.run();
                    }));
                    jdkClient = HttpClient.newBuilder()
                            .version(HttpClient.Version.HTTP_1_1)
                            .connectTimeout(Duration.ofSeconds(5))
                            .executor(jdkExecutor)
                            .build();
                    // The client's selector thread starts with it; its CPU is the load's too.
                    Arrays.stream(ManagementFactory.getThreadMXBean().getAllThreadIds())
                            .filter(id -> !before.contains(id))
                            .forEach(cpu::registerLoadThread);
                } else {
                    jdkClient = null;
                    jdkExecutor = null;
                }
            }

            @Override
            public LoadConnection get() {
                if (jdkClient == null) {
                    return new LoadConnection.Plain("127.0.0.1", wallet.port());
                }
                return new LoadConnection.Jdk(jdkClient, wallet.baseUrl());
            }

            @Override
            public void close() {
                if (jdkClient != null) {
                    jdkClient.close();
                    jdkExecutor.close();
                }
            }
        }
    }
}
