package org.openwallet.platform;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.openwallet.Eventually;

/**
 * Kills a running wallet's embedded PostgreSQL ({@code pg_ctl stop -m immediate}: no checkpoint,
 * every session cut, as in a crash) and starts it again on the same directory, port and options,
 * as an operator would after the crash. The wallet itself keeps running throughout; its pool
 * reconnects by itself. The restarted server is stopped with the context, by the wallet's own
 * {@link EmbeddedPostgres#close} ({@code pg_ctl stop} on the directory).
 */
final class PostgresOutage {
    private static final Pattern ARGUMENT = Pattern.compile("\"([^\"]*)\"|(\\S+)");
    private static final Duration WAIT = Duration.ofSeconds(60);

    private final Path dataDirectory;
    private final String jdbcUrl;
    private final String password;
    /** The postmaster's command line as it was started (postmaster.opts), binary first. */
    private final List<String> command;

    PostgresOutage(Path dataDirectory, EmbeddedPostgres server) throws IOException {
        this.dataDirectory = dataDirectory;
        this.jdbcUrl = server.jdbcUrl();
        this.password = server.password();
        List<String> arguments = new ArrayList<>();
        Matcher matcher = ARGUMENT.matcher(Files.readString(dataDirectory.resolve("postmaster.opts")).strip());
        while (matcher.find()) {
            arguments.add(matcher.group(1) != null ? matcher.group(1) : matcher.group(2));
        }
        this.command = List.copyOf(arguments);
    }

    /** Stops the server at once, and returns when its postmaster has gone. */
    void kill() throws IOException, InterruptedException {
        Path pgCtl = Path.of(command.getFirst()).resolveSibling("pg_ctl");
        Process stop = new ProcessBuilder(pgCtl.toString(), "-D", dataDirectory.toString(), "stop", "-m", "immediate", "-w", "-t", "60")
                .redirectErrorStream(true).start();
        String output = new String(stop.getInputStream().readAllBytes());
        if (!stop.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS) || stop.exitValue() != 0) {
            throw new IllegalStateException("pg_ctl stop failed: " + output);
        }
        Eventually.await("PostgreSQL refusing connections", WAIT, () -> !answers());
    }

    /** Starts the server again as it ran before, and returns once it takes connections. */
    void restart() throws IOException {
        new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dataDirectory.resolveSibling("postgres-after-outage.log").toFile()).start();
        Eventually.await("PostgreSQL taking connections again", WAIT, this::answers);
    }

    private boolean answers() {
        try (Connection connection = DriverManager.getConnection(jdbcUrl, "postgres", password)) {
            return connection.isValid(5);
        } catch (SQLException refused) {
            return false;
        }
    }
}
