package org.openwallet.bench;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/** A benchmark's arguments taken as its command takes them: parsed by picocli, then checked as its call does. */
final class CommandArguments {
    private CommandArguments() {}

    static <C extends BenchmarkCommand> C parse(C command, String... args) {
        new CommandLine(command).parseArgs(args);
        command.validate();
        return command;
    }

    /** Refused as a malformed command is (picocli prints the message and exits 2), with a message naming the option. */
    static void assertRefused(BenchmarkCommand command, String message, String... args) {
        assertThatThrownBy(() -> parse(command, args))
                .isInstanceOf(ParameterException.class)
                .hasMessageContaining(message);
    }
}
