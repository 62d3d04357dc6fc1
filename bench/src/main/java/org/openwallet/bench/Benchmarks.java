package org.openwallet.bench;

import java.util.Arrays;
import org.openwallet.WalletApplication;

/**
 * The benchmarks' program: {@code bench}, {@code bench-feed} or {@code bench-events} as the first
 * argument, then that benchmark's own options ({@code ./wallet help} lists them). Each starts a
 * throwaway {@link WalletApplication} in this JVM and exits with the benchmark's code.
 */
public final class Benchmarks {
    static final String USAGE = "usage: (bench | bench-feed | bench-events) [options]; bench --help lists bench's";

    private Benchmarks() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        if (args.length == 0) {
            System.err.println(USAGE);
            return 2;
        }
        String[] options = Arrays.copyOfRange(args, 1, args.length);
        return switch (args[0]) {
            case "bench" -> TransferBenchmark.run(WalletApplication.class, options);
            case "bench-feed" -> FeedBenchmark.run(WalletApplication.class, options);
            case "bench-events" -> RelayLatencyBenchmark.run(WalletApplication.class, options);
            default -> {
                System.err.println("unknown benchmark " + args[0] + "; " + USAGE);
                yield 2;
            }
        };
    }
}
