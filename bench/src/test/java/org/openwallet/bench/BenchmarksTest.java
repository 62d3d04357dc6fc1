package org.openwallet.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The benchmarks' program as {@code ./wallet} runs it: a malformed command exits 2 with the message
 * and the benchmark's usage on stderr before any wallet starts, and each benchmark's {@code --help}
 * prints its usage and exits 0.
 */
class BenchmarksTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @Test
    void aBadArgument_exits2_withTheMessageAndTheUsageOnStderr() {
        assertThat(execute("bench", "--users", "1")).isEqualTo(2);
        assertThat(err.toString())
                .startsWith("--users must be between 2 and 200000, not 1")
                .contains("usage: ./wallet bench [options]");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void eachBenchmark_refusesBeforeItStarts() {
        assertThat(execute("bench", "--scenarios", "rate-zipf")).isEqualTo(2);
        assertThat(execute("bench-feed", "--friends", "300")).isEqualTo(2);
        assertThat(execute("bench-events", "--events", "0")).isEqualTo(2);
        assertThat(execute("bench-events", "fast")).isEqualTo(2);

        assertThat(err.toString())
                .contains("a fixed-rate scenario needs --rate")
                .contains("--friends must be below --users")
                .contains("usage: ./wallet bench-feed [options]")
                .contains("--events must be between 1 and 1000000, not 0")
                .contains("unknown argument fast")
                .contains("usage: ./wallet bench-events [options]");
    }

    @Test
    void noBenchmark_orAnUnknownOne_exits2() {
        assertThat(execute()).isEqualTo(2);
        assertThat(execute("bench-everything")).isEqualTo(2);

        assertThat(err.toString()).contains("which benchmark?").contains("'bench-everything'");
    }

    @Test
    void eachBenchmarksHelp_printsItsUsage_andExits0() {
        assertThat(execute("bench", "--help")).isZero();
        assertThat(execute("bench-feed", "--help")).isZero();
        assertThat(execute("bench-events", "-h")).isZero();

        assertThat(out.toString())
                .contains("usage: ./wallet bench [options] [--spring.property=value ...]")
                .contains("--zipf-exponent=X")
                .contains("usage: ./wallet bench-feed [options] [--spring.property=value ...]")
                .contains("--friends=N")
                .contains("usage: ./wallet bench-events [options] [--spring.property=value ...]")
                .contains("--writers=N");
        assertThat(err.toString()).isEmpty();
    }

    private int execute(String... args) {
        CommandLine commands = Benchmarks.commands();
        commands.setOut(new PrintWriter(out, true));
        commands.setErr(new PrintWriter(err, true));
        return commands.execute(args);
    }
}
