package org.openwallet.bench;

import java.util.concurrent.Callable;
import org.openwallet.WalletApplication;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The benchmarks' program: {@code bench}, {@code bench-feed} or {@code bench-events} as the first
 * argument, then that benchmark's own options ({@code --help} after it lists them), all parsed by one
 * picocli command line. Each starts a throwaway {@link WalletApplication} in this JVM and exits with
 * the benchmark's code; a malformed command exits 2 with the message and the usage on stderr.
 */
public final class Benchmarks {
    /** Wide enough for the benchmarks' usage texts to keep one option to a line. */
    static final int USAGE_WIDTH = 120;

    private Benchmarks() {}

    public static void main(String[] args) {
        System.exit(commands().execute(args));
    }

    /** Every benchmark, under one picocli command line; each starts the wallet's application class. */
    static CommandLine commands() {
        return new CommandLine(new Program())
                .addSubcommand(new TransferBenchmark(WalletApplication.class))
                .addSubcommand(new FeedBenchmark(WalletApplication.class))
                .addSubcommand(new RelayLatencyBenchmark(WalletApplication.class));
    }

    @Command(
            name = "wallet-bench",
            synopsisHeading = "usage: ",
            customSynopsis = "(bench | bench-feed | bench-events) [options]",
            description = "The benchmarks; each one's --help lists its options.",
            usageHelpWidth = USAGE_WIDTH)
    static final class Program implements Callable<Integer> {
        @Option(
                names = {"-h", "--help"},
                usageHelp = true,
                description = "Show this help and exit.")
        boolean help;

        @Spec
        CommandSpec spec;

        /** Reached with no benchmark named: a malformed command. */
        @Override
        public Integer call() {
            throw new ParameterException(spec.commandLine(), "which benchmark? bench, bench-feed or bench-events");
        }
    }
}
