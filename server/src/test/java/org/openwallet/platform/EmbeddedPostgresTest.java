package org.openwallet.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded PostgreSQL that {@code ./wallet run} uses: durable, persistent, recoverable. */
class EmbeddedPostgresTest {
    @TempDir
    Path dataDir;

    @Test
    void start_runsWithFsyncSynchronousCommitAndLogicalWal() throws Exception {
        try (EmbeddedPostgres server = EmbeddedPostgres.start(dataDir)) {
            assertThat(show(server, "fsync")).isEqualTo("on");
            assertThat(show(server, "synchronous_commit")).isEqualTo("on");
            assertThat(show(server, "full_page_writes")).isEqualTo("on");
            assertThat(show(server, "wal_level")).isEqualTo("logical");
            assertThat(show(server, "listen_addresses")).isEqualTo("127.0.0.1");
        }
    }

    @Test
    void restart_onSameDirectory_keepsCommittedData() throws Exception {
        try (EmbeddedPostgres server = EmbeddedPostgres.start(dataDir)) {
            execute(server, "CREATE TABLE kept (value text)", "INSERT INTO kept VALUES ('survives restarts')");
        }
        try (EmbeddedPostgres server = EmbeddedPostgres.start(dataDir)) {
            assertThat(query(server, "SELECT value FROM kept")).isEqualTo("survives restarts");
        }
    }

    @Test
    void start_whileAnotherWalletRunsTheDirectory_isRefusedAndLeavesItRunning() throws Exception {
        try (EmbeddedPostgres running = EmbeddedPostgres.start(dataDir)) {
            assertThatThrownBy(() -> EmbeddedPostgres.start(dataDir)).isInstanceOf(IOException.class).hasMessageContaining("in use");
            assertThat(query(running, "SELECT 'still serving'")).isEqualTo("still serving");
        }
    }

    @Test
    void start_afterOwningProcessWasKilled_stopsTheOrphanedServerAndTakesOver() throws Exception {
        Process owner = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                EmbeddedPostgresOwner.class.getName(), dataDir.toString())
                .redirectErrorStream(true)
                .start();
        try {
            awaitLine(owner, "ready");
            try (Connection connection = DriverManager.getConnection(jdbcUrlOf(dataDir), "postgres", "");
                 Statement statement = connection.createStatement()) {
                statement.execute("CREATE TABLE kept (value text)");
                statement.execute("INSERT INTO kept VALUES ('committed before the crash')");
            }
            long orphanPid = Long.parseLong(Files.readAllLines(dataDir.resolve("postmaster.pid")).get(0).strip());

            owner.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            assertThat(ProcessHandle.of(orphanPid).map(ProcessHandle::isAlive)).as("SIGKILL leaves PostgreSQL running").contains(true);

            try (EmbeddedPostgres server = EmbeddedPostgres.start(dataDir)) {
                assertThat(ProcessHandle.of(orphanPid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
                assertThat(query(server, "SELECT value FROM kept")).isEqualTo("committed before the crash");
            }
        } finally {
            owner.destroyForcibly();
        }
    }

    private static String jdbcUrlOf(Path dataDir) throws IOException {
        // postmaster.pid line 4 is the port the server listens on.
        List<String> lines = Files.readAllLines(dataDir.resolve("postmaster.pid"));
        return "jdbc:postgresql://127.0.0.1:" + lines.get(3).strip() + "/postgres";
    }

    private static void awaitLine(Process process, String expected) throws IOException {
        BufferedReader output = new BufferedReader(new InputStreamReader(process.getInputStream()));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        for (String line; (line = output.readLine()) != null && System.nanoTime() < deadline; ) {
            if (line.equals(expected)) {
                return;
            }
        }
        throw new IllegalStateException("the owning process never printed '" + expected + "'");
    }

    private static String show(EmbeddedPostgres server, String setting) throws SQLException {
        return query(server, "SHOW " + setting);
    }

    private static String query(EmbeddedPostgres server, String sql) throws SQLException {
        try (Connection connection = DriverManager.getConnection(server.jdbcUrl(), server.username(), "");
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getString(1);
        }
    }

    private static void execute(EmbeddedPostgres server, String... statements) throws SQLException {
        try (Connection connection = DriverManager.getConnection(server.jdbcUrl(), server.username(), "");
             Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        }
    }
}
