package org.openwallet.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.openwallet.WalletApplication;
import picocli.CommandLine;

/** {@code ./wallet bench-feed}: its arguments and their bounds. */
class FeedBenchmarkOptionsTest {

    @Test
    void options_withNone_areTheDefaults() {
        FeedBenchmark options = parse();

        assertThat(options.users()).isEqualTo(FeedBenchmark.DEFAULT_USERS);
        assertThat(options.friends()).isEqualTo(FeedBenchmark.DEFAULT_FRIENDS);
        assertThat(options.transfers()).isEqualTo(FeedBenchmark.DEFAULT_TRANSFERS);
        assertThat(options.rate()).isEqualTo(FeedBenchmark.DEFAULT_RATE);
        assertThat(options.reads()).isEqualTo(FeedBenchmark.DEFAULT_READS);
        assertThat(options.springArgs()).isEmpty();
    }

    @Test
    void options_areTaken_andSpringSettingsPassThrough() {
        FeedBenchmark options = parse(
                "--users",
                "50",
                "--friends",
                "4",
                "--wallet.feed.write-window=64",
                "--transfers",
                "300",
                "--rate",
                "100",
                "--reads",
                "40");

        assertThat(options.users()).isEqualTo(50);
        assertThat(options.friends()).isEqualTo(4);
        assertThat(options.transfers()).isEqualTo(300);
        assertThat(options.rate()).isEqualTo(100);
        assertThat(options.reads()).isEqualTo(40);
        assertThat(options.springArgs()).containsExactly("--wallet.feed.write-window=64");
    }

    @Test
    void options_outsideTheirBounds_orUnknown_areRefused() {
        assertRefused("--users must be between 2 and 100000, not 1", "--users", "1");
        assertRefused("--friends must be between 0 and", "--friends", "-1");
        assertRefused("--transfers must be between 1 and", "--transfers", "0");
        assertRefused("--rate must be between 1 and", "--rate", "0");
        assertRefused("--reads must be between 1 and", "--reads", "0");
        assertRefused("--friends must be below --users", "--users", "10", "--friends", "10");
        assertRefused("Missing required parameter for option '--rate'", "--rate");
        assertRefused("Invalid value for option '--reads': 'many' is not an int", "--reads", "many");
        assertRefused("unknown argument fast", "fast");
    }

    @Test
    void help_isAnOption_andTheUsageNamesEveryOption() {
        CommandLine commandLine = new CommandLine(new FeedBenchmark(WalletApplication.class));
        commandLine.parseArgs("--help");

        assertThat(commandLine.isUsageHelpRequested()).isTrue();
        assertThat(commandLine.getUsageMessage())
                .contains("--users", "--friends", "--transfers", "--rate", "--reads", "--help", "--x.y=z");
    }

    private static FeedBenchmark parse(String... args) {
        return CommandArguments.parse(new FeedBenchmark(WalletApplication.class), args);
    }

    private static void assertRefused(String message, String... args) {
        CommandArguments.assertRefused(new FeedBenchmark(WalletApplication.class), message, args);
    }
}
