package org.openwallet.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.openwallet.WalletApplication;
import org.openwallet.bench.TransferBenchmark.Client;
import org.openwallet.bench.TransferBenchmark.Scenario;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/** {@code ./wallet bench}: its arguments, and what it reads from pgbench and /proc. */
class TransferBenchmarkOptionsTest {

    @Test
    void options_withNone_areTheDefaults() {
        TransferBenchmark options = parse();

        assertThat(options.users()).isEqualTo(TransferBenchmark.DEFAULT_USERS);
        assertThat(options.clients()).isEqualTo(TransferBenchmark.DEFAULT_CLIENTS);
        assertThat(options.warmUpSeconds()).isEqualTo(TransferBenchmark.DEFAULT_WARM_UP_SECONDS);
        assertThat(options.durationSeconds()).isEqualTo(TransferBenchmark.DEFAULT_DURATION_SECONDS);
        assertThat(options.rate()).isZero();
        assertThat(options.ordered())
                .containsExactly(
                        Scenario.CLOSED_UNIFORM, Scenario.CLOSED_ZIPF, Scenario.RATE_UNIFORM, Scenario.PGBENCH);
        assertThat(options.zipfExponent()).isEqualTo(1.0);
        assertThat(options.client()).isEqualTo(Client.PLAIN);
        assertThat(options.quick()).isFalse();
        assertThat(options.springArgs()).isEmpty();
    }

    @Test
    void quick_shortensWhatIsNotGiven_andGivenValuesWinWhateverTheirPlace() {
        TransferBenchmark quick = parse("--quick");
        TransferBenchmark quickWithUsers = parse("--users", "300", "--quick", "--duration", "5");

        assertThat(quick.users()).isEqualTo(TransferBenchmark.QUICK_USERS);
        assertThat(quick.warmUpSeconds()).isEqualTo(TransferBenchmark.QUICK_WARM_UP_SECONDS);
        assertThat(quick.durationSeconds()).isEqualTo(TransferBenchmark.QUICK_DURATION_SECONDS);
        assertThat(quickWithUsers.users()).isEqualTo(300);
        assertThat(quickWithUsers.durationSeconds()).isEqualTo(5);
        assertThat(quickWithUsers.warmUpSeconds()).isEqualTo(TransferBenchmark.QUICK_WARM_UP_SECONDS);
    }

    @Test
    void scenarios_runInTheirOwnOrder_whateverTheOrderGiven_andSpringSettingsPassThrough() {
        TransferBenchmark options = parse(
                "--scenarios",
                "pgbench, rate-zipf,closed-uniform",
                "--clients",
                "8",
                "--rate",
                "500",
                "--zipf-exponent",
                "1.2",
                "--client",
                "jdk",
                "--wallet.transfers.batch.max-size=64");

        assertThat(options.ordered()).containsExactly(Scenario.CLOSED_UNIFORM, Scenario.RATE_ZIPF, Scenario.PGBENCH);
        assertThat(options.clients()).isEqualTo(8);
        assertThat(options.rate()).isEqualTo(500);
        assertThat(options.zipfExponent()).isEqualTo(1.2);
        assertThat(options.client()).isEqualTo(Client.JDK);
        assertThat(options.springArgs()).containsExactly("--wallet.transfers.batch.max-size=64");
    }

    @Test
    void aFixedRateScenario_withoutARateOrClosedUniformToTakeItFrom_isRefused() {
        assertThatThrownBy(() -> parse("--scenarios", "rate-uniform"))
                .isInstanceOf(ParameterException.class)
                .hasMessage("a fixed-rate scenario needs --rate, or closed-uniform to take 80% of");
        assertThat(parse("--scenarios", "rate-uniform", "--rate", "100").ordered())
                .containsExactly(Scenario.RATE_UNIFORM);
    }

    @Test
    void options_outsideTheirBounds_orUnknown_areRefused() {
        assertRefused("--users must be between 2 and 200000, not 1", "--users", "1");
        assertRefused("--clients must be between 1 and", "--clients", "0");
        assertRefused(
                "--clients must be between 1 and " + TransferBenchmark.MAX_CLIENTS,
                "--clients",
                Integer.toString(TransferBenchmark.MAX_CLIENTS + 1));
        assertRefused("--duration must be between 1 and", "--duration", "0");
        assertRefused("--warmup must be between 0 and", "--warmup", "-1");
        assertRefused("--rate must be between 1 and", "--rate", "0");
        assertRefused("Missing required parameter for option '--duration'", "--duration");
        assertRefused("Invalid value for option '--users': 'many' is not an int", "--users", "many");
        assertRefused(
                "Invalid value for option '--scenarios' (LIST): no scenario open",
                "--scenarios",
                "closed-uniform,open");
        assertRefused("Missing required parameter for option '--scenarios'", "--scenarios");
        assertRefused("--zipf-exponent must be between 0 and 5", "--zipf-exponent", "-1");
        assertRefused("Invalid value for option '--zipf-exponent': 'hot' is not", "--zipf-exponent", "hot");
        assertRefused("Invalid value for option '--client': must be plain or jdk", "--client", "curl");
        assertRefused("unknown argument fast", "fast");
        assertRefused("unknown argument -Dwallet.x=1", "-Dwallet.x=1");
    }

    @Test
    void help_isAnOption_andTheUsageNamesEveryOption() {
        CommandLine commandLine = new CommandLine(new TransferBenchmark(WalletApplication.class));
        commandLine.parseArgs("--help");

        assertThat(commandLine.isUsageHelpRequested()).isTrue();
        assertThat(commandLine.getUsageMessage())
                .contains(
                        "--users",
                        "--clients",
                        "--warmup",
                        "--duration",
                        "--rate",
                        "--scenarios",
                        "--zipf-exponent",
                        "--client",
                        "--quick",
                        "--help",
                        "--x.y=z",
                        "closed-uniform",
                        "closed-zipf",
                        "rate-uniform",
                        "rate-zipf",
                        "pgbench",
                        "default 80% of closed-uniform's result");
    }

    @Test
    void pgbenchSummary_givesThroughputLatencyAndFailures() {
        PgbenchBaseline.Summary summary = PgbenchBaseline.parseSummary("""
                transaction type: <builtin: TPC-B (sort of)>
                scaling factor: 64
                query mode: prepared
                number of clients: 64
                number of threads: 2
                maximum number of tries: 1
                duration: 60 s
                number of transactions actually processed: 61234
                number of failed transactions: 3 (0.005%)
                latency average = 62.712 ms
                initial connection time = 95.118 ms
                tps = 1020.551234 (without initial connection time)
                """);

        assertThat(summary.transactionsPerSecond()).isEqualTo(1020.551234);
        assertThat(summary.latencyAverageMillis()).isEqualTo(62.712);
        assertThat(summary.transactions()).isEqualTo(61234);
        assertThat(summary.failed()).isEqualTo(3);
        assertThatThrownBy(() -> PgbenchBaseline.parseSummary("connection to server failed"))
                .hasMessageContaining("no tps line");
    }

    @Test
    void pgbenchLog_latenciesAreRecorded_failedTransactionsAreNot() {
        Histogram micros = new Histogram(60_000_000L, 3);

        PgbenchBaseline.recordLogLine("0 199 2241 0 1175850568 995598", micros);
        PgbenchBaseline.recordLogLine("3 12 failed 0 1175850569 1234", micros);
        PgbenchBaseline.recordLogLine("", micros);

        assertThat(micros.getTotalCount()).isEqualTo(1);
        assertThat(micros.getMaxValue()).isBetween(2240L, 2242L);
    }

    @Test
    void procStat_cpuFields_areReadPastACommandNameWithSpacesAndParentheses() {
        long[] times = CpuMeter.parseStat(
                "1234 (postgres: a (b) c) S 1 1234 1234 0 -1 4194560 100 0 0 0 17 5 3 2 20 0 1 0 500 1000 10");

        assertThat(times).containsExactly(17, 5, 3, 2);
    }

    @Test
    void procStat_machineBusyTime_isEverythingButIdleAndIowait() {
        assertThat(CpuMeter.parseMachineBusyTicks("cpu  100 2 30 5000 40 5 6 7 0 0"))
                .isEqualTo(100 + 2 + 30 + 5 + 6 + 7);
    }

    @Test
    void kafkaBrokerThreads_areToldFromTheWalletsOwnKafkaClients() {
        for (String broker : List.of(
                "data-plane-kafka-request-handler-3",
                "data-plane-kafka-network-thread-1-PLAINTEXT-PLAINTEXT-0",
                "kafka-1-raft-io-thread",
                "kafka-1-raft-scheduler0",
                "quorum-controller-1-event-handler",
                "group-coordinator-event-processor-2",
                "broker-1-to-controller-heartbeat-channel-manager",
                "ExpirationReaper-1-Produce",
                "executor-Fetch",
                "kafka-scheduler-7",
                "TxnMarkerSenderThread-1",
                "metrics-meter-tick-thread-2")) {
            assertThat(CpuMeter.KAFKA_BROKER_THREAD.matcher(broker).matches())
                    .as(broker)
                    .isTrue();
        }
        for (String wallet : List.of(
                "kafka-producer-network-thread | wallet-outbox-relay",
                "kafka-coordinator-heartbeat-thread | wallet.feed",
                "kafka-admin-client-thread | wallet-outbox-relay-shared-admin",
                "KafkaBasedLog Work Thread - wallet.relay.offsets",
                "consumer-feed",
                "transfer-batch-0",
                "ForkJoinPool-1-worker-1",
                "debezium-postgresconnector-wallet-keep-alive",
                "MasterPoller")) {
            assertThat(CpuMeter.KAFKA_BROKER_THREAD.matcher(wallet).matches())
                    .as(wallet)
                    .isFalse();
        }
    }

    private static TransferBenchmark parse(String... args) {
        return CommandArguments.parse(new TransferBenchmark(WalletApplication.class), args);
    }

    private static void assertRefused(String message, String... args) {
        CommandArguments.assertRefused(new TransferBenchmark(WalletApplication.class), message, args);
    }
}
