package org.openwallet.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.openwallet.WalletApplication;
import picocli.CommandLine;

/** {@code ./wallet bench-events}: its arguments and their bounds, and one small run as an operator starts it. */
class RelayLatencyBenchmarkTest {
    private static final long TIMEOUT_SECONDS = 240;

    @Test
    void options_withNone_areTheDefaults() {
        RelayLatencyBenchmark options = parse();

        assertThat(options.events()).isEqualTo(RelayLatencyBenchmark.DEFAULT_EVENTS);
        assertThat(options.writers()).isEqualTo(RelayLatencyBenchmark.DEFAULT_WRITERS);
        assertThat(options.rate()).isEqualTo(RelayLatencyBenchmark.DEFAULT_RATE);
        assertThat(options.springArgs()).isEmpty();
    }

    @Test
    void options_passSpringPropertiesThrough_andTakeRateZeroAsUnpaced() {
        RelayLatencyBenchmark options =
                parse("--events", "100", "--wallet.outbox.poll-interval=500ms", "--writers", "2", "--rate", "0");

        assertThat(options.events()).isEqualTo(100);
        assertThat(options.writers()).isEqualTo(2);
        assertThat(options.rate()).isZero();
        assertThat(options.springArgs()).containsExactly("--wallet.outbox.poll-interval=500ms");
    }

    @Test
    void options_outsideTheirBounds_orUnknown_areRefused() {
        assertRefused("--events must be between 1 and 1000000, not 0", "--events", "0");
        assertRefused(
                "--events must be between 1 and", "--events", Integer.toString(RelayLatencyBenchmark.MAX_EVENTS + 1));
        assertRefused(
                "--writers must be between 1 and " + RelayLatencyBenchmark.MAX_WRITERS,
                "--writers",
                Integer.toString(RelayLatencyBenchmark.MAX_WRITERS + 1));
        assertRefused("--rate must be between 0 and", "--rate", "-1");
        assertRefused("Missing required parameter for option '--events'", "--events");
        assertRefused("Invalid value for option '--events': 'many' is not an int", "--events", "many");
        assertRefused("unknown argument fast", "fast");
    }

    @Test
    void help_isAnOption_andTheUsageNamesEveryOption() {
        CommandLine commandLine = new CommandLine(new RelayLatencyBenchmark(WalletApplication.class));
        commandLine.parseArgs("--help");

        assertThat(commandLine.isUsageHelpRequested()).isTrue();
        assertThat(commandLine.getUsageMessage()).contains("--events", "--writers", "--rate", "--help", "--x.y=z");
    }

    @Test
    void percentile_isTheNearestRank() {
        long[] sorted = {10, 20, 30, 40, 50, 60, 70, 80, 90, 100};

        assertThat(RelayLatencyBenchmark.percentile(sorted, 0.50)).isEqualTo(50);
        assertThat(RelayLatencyBenchmark.percentile(sorted, 0.90)).isEqualTo(90);
        assertThat(RelayLatencyBenchmark.percentile(sorted, 0.99)).isEqualTo(100);
        assertThat(RelayLatencyBenchmark.percentile(new long[] {7}, 0.5)).isEqualTo(7);
    }

    /**
     * The command in a JVM of its own (it ends with System.exit), with WALLET_DB_URL,
     * WALLET_KAFKA_BOOTSTRAP_SERVERS and WALLET_CASSANDRA_CONTACT_POINTS pointing at nothing: it
     * must run on its own throwaway embedded wallet whatever they say, report both phases, exit 0,
     * and delete its data directory.
     */
    @Test
    void benchEvents_smallRun_reportsLatencyAndThroughput_onAThrowawayWallet_andCleansUp() throws Exception {
        Path tmp = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "bench-events-");
        Path output = tmp.resolve("bench-events.out");
        ProcessBuilder builder = new ProcessBuilder(List.of(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Djava.io.tmpdir=" + tmp,
                        "-cp",
                        System.getProperty("java.class.path"),
                        "org.openwallet.bench.Benchmarks",
                        "bench-events",
                        "--events",
                        "200",
                        "--writers",
                        "2",
                        "--rate",
                        "400"))
                .redirectErrorStream(true)
                .redirectOutput(output.toFile());
        Map<String, String> environment = builder.environment();
        environment.keySet().removeIf(name -> name.startsWith("WALLET_"));
        environment.put("WALLET_DB_URL", "jdbc:postgresql://127.0.0.1:1/not_a_database");
        environment.put("WALLET_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1");
        environment.put("WALLET_CASSANDRA_CONTACT_POINTS", "127.0.0.1:1");
        Process process = builder.start();
        try {
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new AssertionError(
                        "bench-events did not finish within " + TIMEOUT_SECONDS + " s:\n" + read(output));
            }
        } finally {
            if (process.isAlive()) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        String text = read(output);

        assertThat(process.exitValue()).as(text).isZero();
        assertThat(text)
                .contains("bench-events: 200 events, wallet.outbox.poll-interval=10 ms")
                .containsPattern("commit -> consumer: p50 [0-9.]+ ms, p90 [0-9.]+ ms, p99 [0-9.]+ ms, max [0-9.]+ ms")
                .containsPattern("drained in [0-9.]+ s once it streamed: [0-9]+ events/s")
                .doesNotContain("MISSING");
        try (Stream<Path> left = Files.list(tmp)) {
            assertThat(left.map(path -> path.getFileName().toString()))
                    .as("left in java.io.tmpdir")
                    .noneMatch(name -> name.startsWith("wallet-bench-events-"));
        }
    }

    private static RelayLatencyBenchmark parse(String... args) {
        return CommandArguments.parse(new RelayLatencyBenchmark(WalletApplication.class), args);
    }

    private static void assertRefused(String message, String... args) {
        CommandArguments.assertRefused(new RelayLatencyBenchmark(WalletApplication.class), message, args);
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    }
}
