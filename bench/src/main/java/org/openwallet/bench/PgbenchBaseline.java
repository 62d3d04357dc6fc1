package org.openwallet.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import org.openwallet.platform.database.DatabaseEndpoint;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The baseline: PostgreSQL's own bank-transfer benchmark, {@code pgbench} with its built-in
 * {@code tpcb-like} script (update an account, a teller and a branch, read the account, insert a
 * history row: one transaction), prepared statements, as many clients as the wallet had, against
 * the very server the wallet uses, in a database of its own.
 *
 * <p>The scale (branches) equals the number of clients: every tpcb-like transaction updates its
 * branch's one row, so with fewer branches than clients they would queue on those rows and
 * pgbench would measure lock waits instead of the server. The server's settings are the wallet's
 * (fsync and synchronous commit on); they are read back and printed.
 *
 * <p>The embedded server's bundle has no pgbench, so Debian's newest
 * {@code /usr/lib/postgresql/<version>/bin/pgbench} is used (or the one on the PATH); a client
 * older than the server works for this script.
 */
final class PgbenchBaseline {
    static final String DATABASE = "pgbench";
    /** Worker threads of pgbench, one per core of this machine's two. */
    static final int THREADS = 2;

    private static final Duration INIT_WAIT = Duration.ofMinutes(10);
    private static final Duration RUN_GRACE = Duration.ofMinutes(2);
    private static final Pattern TPS = Pattern.compile("(?m)^tps = ([0-9.]+) \\(without initial connection time\\)");
    private static final Pattern LATENCY_AVERAGE = Pattern.compile("(?m)^latency average = ([0-9.]+) ms");
    private static final Pattern FAILED = Pattern.compile("(?m)^number of failed transactions: (\\d+)");
    private static final Pattern PROCESSED = Pattern.compile("(?m)^number of transactions actually processed: (\\d+)");

    /**
     * What the measured run gave.
     *
     * @param latencyMicros from pgbench's per-transaction log, the same percentiles as the wallet's
     * @param cpuNanos      CPU used during the measured run by each part; pgbench itself under {@link CpuMeter#EXITED_CHILDREN}
     */
    record Result(
            String pgbenchVersion,
            String serverVersion,
            Map<String, String> settings,
            int scale,
            int clients,
            double seconds,
            double transactionsPerSecond,
            long transactions,
            long failed,
            double latencyAverageMillis,
            Histogram latencyMicros,
            Map<String, Long> cpuNanos,
            double initSeconds) {}

    /** What pgbench's summary says. */
    record Summary(double transactionsPerSecond, double latencyAverageMillis, long transactions, long failed) {}

    private final Path binary;
    private final DatabaseEndpoint endpoint;
    private final JdbcClient jdbc;
    private final CpuMeter cpu;
    private final Path workDirectory;

    PgbenchBaseline(Path binary, DatabaseEndpoint endpoint, JdbcClient jdbc, CpuMeter cpu, Path workDirectory) {
        this.binary = binary;
        this.endpoint = endpoint;
        this.jdbc = jdbc;
        this.cpu = cpu;
        this.workDirectory = workDirectory;
    }

    /** Debian's newest {@code /usr/lib/postgresql/<version>/bin/pgbench}, else one on the PATH. */
    static Optional<Path> find() {
        Path debian = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(debian)) {
            try (Stream<Path> versions = Files.list(debian)) {
                Optional<Path> newest = versions.filter(
                                version -> version.getFileName().toString().matches("\\d+"))
                        .max(Comparator.comparingInt(version ->
                                Integer.parseInt(version.getFileName().toString())))
                        .map(version -> version.resolve("bin").resolve("pgbench"))
                        .filter(Files::isExecutable);
                if (newest.isPresent()) {
                    return newest;
                }
            } catch (IOException unreadable) {
                // Fall through to the PATH.
            }
        }
        for (String entry : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path candidate = Path.of(entry.isEmpty() ? "." : entry, "pgbench");
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** Connections the server can still give to pgbench's clients. */
    int freeConnections() {
        int max = jdbc.sql("SELECT setting::int FROM pg_settings WHERE name = 'max_connections'")
                .query(Integer.class)
                .single();
        int reserved = jdbc.sql("SELECT setting::int FROM pg_settings WHERE name = 'superuser_reserved_connections'")
                .query(Integer.class)
                .single();
        int used = jdbc.sql("SELECT count(*)::int FROM pg_stat_activity")
                .query(Integer.class)
                .single();
        return max - reserved - used;
    }

    /** Creates and fills the database (scale = clients), warms up, then measures for {@code measurement}. */
    Result run(int clients, Duration warmUp, Duration measurement, String progressPrefix)
            throws IOException, InterruptedException {
        Map<String, String> settings = new LinkedHashMap<>();
        for (String setting : List.of(
                "fsync", "synchronous_commit", "full_page_writes", "wal_level", "shared_buffers", "max_connections")) {
            settings.put(
                    setting, jdbc.sql("SHOW " + setting).query(String.class).single());
        }
        String serverVersion =
                jdbc.sql("SHOW server_version").query(String.class).single();
        String pgbenchVersion = output(List.of(binary.toString(), "--version"), Duration.ofSeconds(30))
                .strip();
        // CREATE DATABASE cannot run in a transaction; the pool's connections autocommit.
        jdbc.sql("DROP DATABASE IF EXISTS " + DATABASE).update();
        jdbc.sql("CREATE DATABASE " + DATABASE).update();

        int scale = clients;
        System.out.printf(
                "%s: pgbench -i -s %d (%d branches, %,d accounts; rows generated server-side) ...%n",
                progressPrefix, scale, scale, scale * 100_000L);
        long initStart = System.nanoTime();
        output(command("-i", "-s", Integer.toString(scale), "-I", "dtGvp", "-q"), INIT_WAIT);
        double initSeconds = (System.nanoTime() - initStart) / 1e9;

        List<String> run = List.of(
                "-M", "prepared", "-b", "tpcb-like", "-c", Integer.toString(clients), "-j", Integer.toString(THREADS));
        if (!warmUp.isZero()) {
            List<String> warm = new ArrayList<>(run);
            warm.addAll(List.of("-T", Long.toString(Math.max(1, warmUp.toSeconds()))));
            output(command(warm), warmUp.plus(RUN_GRACE));
        }
        Path logs = Files.createDirectories(workDirectory.resolve("pgbench-log"));
        List<String> measured = new ArrayList<>(run);
        // The warm-up (or, without one, this run) vacuumed the tables; -n keeps vacuum out of the measured CPU.
        measured.addAll(
                List.of("-T", Long.toString(measurement.toSeconds()), "-l", "--log-prefix=" + logs.resolve("tx")));
        if (!warmUp.isZero()) {
            measured.add("-n");
        }
        Map<String, Long> before = cpu.sample();
        String summaryText = output(command(measured), measurement.plus(RUN_GRACE));
        Map<String, Long> used = CpuMeter.between(before, cpu.sample());
        Summary summary = parseSummary(summaryText);
        Histogram latencies = new Histogram(TimeUnit.MINUTES.toMicros(5), 3);
        try (Stream<Path> files = Files.list(logs)) {
            for (Path file : files.toList()) {
                try (Stream<String> lines = Files.lines(file, StandardCharsets.US_ASCII)) {
                    lines.forEach(line -> recordLogLine(line, latencies));
                }
            }
        }
        return new Result(
                pgbenchVersion,
                serverVersion,
                settings,
                scale,
                clients,
                measurement.toSeconds(),
                summary.transactionsPerSecond(),
                summary.transactions(),
                summary.failed(),
                summary.latencyAverageMillis(),
                latencies,
                used,
                initSeconds);
    }

    /** Reads pgbench's closing summary; fails when it has no throughput line (pgbench did not run). */
    static Summary parseSummary(String text) {
        Matcher tps = TPS.matcher(text);
        if (!tps.find()) {
            throw new IllegalStateException("pgbench printed no tps line:\n" + text);
        }
        Matcher latency = LATENCY_AVERAGE.matcher(text);
        Matcher failed = FAILED.matcher(text);
        Matcher processed = PROCESSED.matcher(text);
        return new Summary(
                Double.parseDouble(tps.group(1)),
                latency.find() ? Double.parseDouble(latency.group(1)) : Double.NaN,
                processed.find() ? Long.parseLong(processed.group(1)) : 0,
                failed.find() ? Long.parseLong(failed.group(1)) : 0);
    }

    /**
     * One line of pgbench's transaction log, {@code client transaction latency_us script epoch_s epoch_us [lag]}:
     * its latency goes into the histogram; a failed or skipped transaction (latency not a number) does not.
     */
    static void recordLogLine(String line, Histogram latencyMicros) {
        String[] fields = line.split(" ");
        if (fields.length >= 3 && fields[2].chars().allMatch(Character::isDigit) && !fields[2].isEmpty()) {
            latencyMicros.recordValue(Math.min(latencyMicros.getHighestTrackableValue(), Long.parseLong(fields[2])));
        }
    }

    private List<String> command(String... args) {
        return command(List.of(args));
    }

    private List<String> command(List<String> args) {
        List<String> command = new ArrayList<>(List.of(
                binary.toString(),
                "-h",
                endpoint.host(),
                "-p",
                Integer.toString(endpoint.port()),
                "-U",
                endpoint.username()));
        command.addAll(args);
        command.add(DATABASE);
        return command;
    }

    /** Runs a command to its end within {@code wait}; its output (stdout and stderr), or an exception when it failed. */
    private String output(List<String> command, Duration wait) throws IOException, InterruptedException {
        Path output = Files.createTempFile(workDirectory, "pgbench-", ".out");
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
        if (!endpoint.password().isEmpty()) {
            builder.environment().put("PGPASSWORD", endpoint.password());
        }
        Process process = builder.start();
        if (!process.waitFor(wait.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new IOException(
                    String.join(" ", command) + " did not finish within " + wait + ":\n" + Files.readString(output));
        }
        String text = Files.readString(output);
        if (process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " exited " + process.exitValue() + ":\n" + text);
        }
        return text;
    }
}
