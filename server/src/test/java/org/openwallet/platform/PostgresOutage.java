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
 * Kills a running wallet's embedded PostgreSQL (immediate shutdown: no checkpoint, every session
 * cut, as in a crash) and starts it again on the same directory, port and options,
 * as an operator would after the crash. The wallet itself keeps running throughout; its pool
 * reconnects by itself.
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

    /**
     * Stops the server at once: SIGQUIT to the postmaster is PostgreSQL's immediate shutdown (every
     * backend ends, no checkpoint; the next start recovers from the WAL, as after a crash). Signals,
     * not pg_ctl: pg_ctl refuses to run as root, which the test machines are.
     */
    void kill() throws IOException, InterruptedException {
        long pid = postmasterPid();
        signal("QUIT", pid);
        if (!ProcessHandle.of(pid).map(process -> process.onExit().orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).handle((exited, late) -> late == null).join())
                .orElse(true)) {
            throw new IllegalStateException("PostgreSQL (pid " + pid + ") did not stop within " + WAIT);
        }
        Eventually.await("PostgreSQL refusing connections", WAIT, () -> !answers());
    }

    /**
     * Starts the server again as it ran before, and returns once it takes connections. The wallet
     * stops it with its context; should that fail, it is stopped when the test JVM exits.
     */
    void restart() throws IOException {
        new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dataDirectory.resolveSibling("postgres-after-outage.log").toFile()).start();
        Eventually.await("PostgreSQL taking connections again", WAIT, this::answers);
        long pid = postmasterPid();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                // SIGINT: fast shutdown. Harmless if the wallet's context stopped it already.
                signal("INT", pid);
            } catch (IOException | InterruptedException ignored) {
                // The JVM is exiting; nothing else can be done.
            }
        }));
    }

    private long postmasterPid() throws IOException {
        return Long.parseLong(Files.readAllLines(dataDirectory.resolve("postmaster.pid")).getFirst().strip());
    }

    private static void signal(String signal, long pid) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).redirectErrorStream(true).start().waitFor(10, TimeUnit.SECONDS);
    }

    private boolean answers() {
        try (Connection connection = DriverManager.getConnection(jdbcUrl, "postgres", password)) {
            return connection.isValid(5);
        } catch (SQLException refused) {
            return false;
        }
    }
}
