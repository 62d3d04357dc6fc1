package org.openwallet.platform;

import static org.awaitility.Awaitility.await;

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

/**
 * Freezes a running wallet's embedded PostgreSQL and lets it run on again. The wallet itself
 * keeps running throughout.
 */
final class PostgresOutage {
    private static final Duration WAIT = Duration.ofSeconds(60);

    private final Path dataDirectory;
    private final String jdbcUrl;
    private final String password;

    PostgresOutage(Path dataDirectory, EmbeddedPostgres server) {
        this.dataDirectory = dataDirectory;
        this.jdbcUrl = server.jdbcUrl();
        this.password = server.password();
    }

    /**
     * Freezes the server: SIGSTOP to the postmaster and every backend, by their process ids. To its
     * clients PostgreSQL is then hung, the harder case: connections open, nothing answers, and
     * nothing fails fast. (Killing and restarting it is not possible here: PostgreSQL and pg_ctl
     * refuse to start as root, which the test machines are.)
     */
    void freeze() throws IOException, InterruptedException {
        for (long pid : processes()) {
            signal("STOP", pid);
        }
    }

    /** Lets the frozen server run on (SIGCONT), and returns once it takes connections again. */
    void thaw() throws IOException, InterruptedException {
        for (long pid : processes()) {
            signal("CONT", pid);
        }
        await("PostgreSQL taking connections again").atMost(WAIT).until(this::answers);
    }

    private List<Long> processes() throws IOException {
        long postmaster = postmasterPid();
        List<Long> pids = new ArrayList<>();
        pids.add(postmaster);
        ProcessHandle.of(postmaster)
                .ifPresent(process -> process.descendants().forEach(child -> pids.add(child.pid())));
        return pids;
    }

    private long postmasterPid() throws IOException {
        return Long.parseLong(Files.readAllLines(dataDirectory.resolve("postmaster.pid"))
                .getFirst()
                .strip());
    }

    private static void signal(String signal, long pid) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
                .redirectErrorStream(true)
                .start()
                .waitFor(10, TimeUnit.SECONDS);
    }

    private boolean answers() {
        try (Connection connection = DriverManager.getConnection(jdbcUrl, "postgres", password)) {
            return connection.isValid(5);
        } catch (SQLException refused) {
            return false;
        }
    }
}
