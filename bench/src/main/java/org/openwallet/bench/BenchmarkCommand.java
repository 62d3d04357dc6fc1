package org.openwallet.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * What the benchmarks' picocli commands share: {@code --help}, the wallet's own settings passed
 * through ({@code --spring.property=value}), and the check of what picocli's types cannot say (a
 * number's bounds, a rule between two options), done before anything starts. A refusal is a
 * {@link ParameterException}, so picocli prints the message with the benchmark's usage and exits 2.
 *
 * <p>A superclass rather than a {@code @Mixin}: picocli 4.7.7 does not carry a mixin's
 * {@code @Unmatched} over to the command, and the Spring settings pass through {@code @Unmatched}.
 */
abstract class BenchmarkCommand implements Callable<Integer> {
    /** The wallet's application class, which each benchmark starts as its throwaway wallet. */
    final Class<?> applicationClass;

    @Spec
    private CommandSpec spec;

    /** Listed after the benchmark's own options (which keep the order they are declared in). */
    @Option(
            names = {"-h", "--help"},
            usageHelp = true,
            order = Integer.MAX_VALUE,
            description = "this text")
    private boolean help;

    /** Everything no option matched: the wallet's own settings, checked by {@link #validate()}. */
    @Unmatched
    private List<String> unmatched = new ArrayList<>();

    BenchmarkCommand(Class<?> applicationClass) {
        this.applicationClass = applicationClass;
    }

    @Override
    public final Integer call() {
        validate();
        return run();
    }

    /** Refuses, as picocli refuses a malformed option, what the options' types let through. */
    final void validate() {
        CommandLine commandLine = spec.commandLine();
        for (String argument : unmatched) {
            if (!argument.startsWith("--") || !argument.contains("=")) {
                throw new ParameterException(commandLine, "unknown argument " + argument);
            }
        }
        validate(commandLine);
    }

    /** The benchmark's own rules; {@code commandLine} is the command a refusal names. */
    abstract void validate(CommandLine commandLine);

    /** Runs the benchmark on valid options; returns the process exit code. */
    abstract int run();

    /** The wallet's settings given on the command line ({@code --x.y=z}), in their order. */
    final List<String> springArgs() {
        return List.copyOf(unmatched);
    }

    /** Refuses {@code value} of {@code option} outside [min, max]; {@code null} (not given) passes. */
    static void requireBetween(CommandLine commandLine, String option, Integer value, int min, int max) {
        if (value != null && (value < min || value > max)) {
            throw new ParameterException(
                    commandLine, option + " must be between " + min + " and " + max + ", not " + value);
        }
    }
}
