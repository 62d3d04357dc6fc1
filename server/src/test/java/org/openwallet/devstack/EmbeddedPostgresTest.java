package org.openwallet.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/** The embedded PostgreSQL that {@code ./wallet run} uses: durable, persistent, recoverable. */
// Runs beside the Spring classes (junit-platform.properties): it starts servers of its own and mostly waits on them.
@Execution(ExecutionMode.CONCURRENT)
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
            // A replication slot may not hold more WAL than this: a relay that stays down must not fill the disk.
            assertThat(show(server, "max_slot_wal_keep_size")).isEqualTo("4GB");
        }
    }

    @Test
    void start_withAWalCapForReplicationSlots_setsIt_andANegativeOneLeavesThemUncapped() throws Exception {
        try (EmbeddedPostgres server =
                EmbeddedPostgres.start(dataDir, org.springframework.util.unit.DataSize.ofMegabytes(512))) {
            assertThat(show(server, "max_slot_wal_keep_size")).isEqualTo("512MB");
        }
        try (EmbeddedPostgres server =
                EmbeddedPostgres.start(dataDir, org.springframework.util.unit.DataSize.ofBytes(-1))) {
            assertThat(show(server, "max_slot_wal_keep_size")).isEqualTo("-1");
        }
    }

    @Test
    void tcpConnection_withoutOrWithAWrongPassword_isRefused_andWithThePasswordWorks() throws Exception {
        try (EmbeddedPostgres server = EmbeddedPostgres.start(dataDir)) {
            assertThatThrownBy(() -> DriverManager.getConnection(server.jdbcUrl(), server.username(), "")
                            .close())
                    .isInstanceOf(SQLException.class);
            assertThatThrownBy(
                            () -> DriverManager.getConnection(server.jdbcUrl(), server.username(), "not-the-password")
                                    .close())
                    .isInstanceOfSatisfying(
                            SQLException.class,
                            refused -> assertThat(refused.getSQLState()).isEqualTo("28P01"));
            assertThatThrownBy(() -> DriverManager.getConnection(
                                    server.jdbcUrl() + "?replication=database&preferQueryMode=simple",
                                    server.username(),
                                    "not-the-password")
                            .close())
                    .isInstanceOfSatisfying(
                            SQLException.class,
                            refused -> assertThat(refused.getSQLState()).isEqualTo("28P01"));
            assertThat(query(server, "SELECT 'let in'")).isEqualTo("let in");
            assertThat(server.password())
                    .isEqualTo(Files.readString(EmbeddedPostgres.passwordFile(dataDir))
                            .strip())
                    .hasSize(64);
            assertThat(PosixFilePermissions.toString(
                            Files.getPosixFilePermissions(EmbeddedPostgres.passwordFile(dataDir))))
                    .isEqualTo("rw-------");
            assertThat(query(
                            server,
                            "SELECT rolpassword LIKE 'SCRAM-SHA-256$%' FROM pg_authid WHERE rolname = 'postgres'"))
                    .isEqualTo("t");
        }
    }

    @Test
    void localSocketConnection_withoutThePassword_isRefused() throws Exception {
        Path psql = Path.of("/usr/bin/psql");
        // JDBC cannot speak over the Unix socket, so this needs psql. .ci/run installs it (Debian's
        // postgresql-client), so CI always runs this; a developer machine without it skips only this one.
        Assumptions.assumeTrue(
                Files.isExecutable(psql),
                "psql (apt-get install postgresql-client) is needed to connect over the Unix socket");
        try (EmbeddedPostgres server = EmbeddedPostgres.start(dataDir)) {
            String socketDirectory =
                    show(server, "unix_socket_directories").split(",")[0].strip();
            List<String> command = List.of(
                    psql.toString(),
                    "-h",
                    socketDirectory,
                    "-p",
                    Integer.toString(server.port()),
                    "-U",
                    "postgres",
                    "-d",
                    "postgres",
                    "-w",
                    "-X",
                    "-A",
                    "-t",
                    "-c",
                    "SELECT 'over the socket'");

            Psql withoutPassword = psql(command, null);
            Psql withPassword = psql(command, server.password());

            assertThat(withoutPassword.exitCode()).as(withoutPassword.output()).isNotZero();
            assertThat(withoutPassword.output())
                    .containsAnyOf("no password supplied", "password authentication failed");
            assertThat(withPassword.exitCode()).as(withPassword.output()).isZero();
            assertThat(withPassword.output().strip()).isEqualTo("over the socket");
        }
    }

    @Test
    void start_onADataDirectoryFromBeforePasswords_setsAPasswordAndRequiresIt_keepingTheData() throws Exception {
        // The directory exactly as the wallet made it before passwords: the library's own start, initdb -A trust.
        try (var old = io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder()
                        .setDataDirectory(dataDir)
                        .setCleanDataDirectory(false)
                        .start();
                Connection connection = DriverManager.getConnection(
                        "jdbc:postgresql://127.0.0.1:" + old.getPort() + "/postgres", "postgres", "");
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE kept (value text)");
            statement.execute("INSERT INTO kept VALUES ('written before the upgrade')");
        }
        assertThat(Files.readString(dataDir.resolve("pg_hba.conf"))).contains("trust");
        assertThat(EmbeddedPostgres.passwordFile(dataDir)).doesNotExist();

        try (EmbeddedPostgres upgraded = EmbeddedPostgres.start(dataDir)) {
            assertThat(EmbeddedPostgres.passwordFile(dataDir)).exists();
            assertThat(Files.readString(dataDir.resolve("pg_hba.conf")))
                    .isEqualTo(EmbeddedPostgres.HBA)
                    .doesNotContain("trust");
            assertThatThrownBy(() -> DriverManager.getConnection(upgraded.jdbcUrl(), upgraded.username(), "")
                            .close())
                    .isInstanceOf(SQLException.class);
            assertThat(query(upgraded, "SELECT value FROM kept")).isEqualTo("written before the upgrade");
        }
        try (EmbeddedPostgres restarted = EmbeddedPostgres.start(dataDir)) {
            assertThat(query(restarted, "SELECT value FROM kept")).isEqualTo("written before the upgrade");
            assertThatThrownBy(() -> DriverManager.getConnection(restarted.jdbcUrl(), restarted.username(), "")
                            .close())
                    .isInstanceOf(SQLException.class);
        }
    }

    private record Psql(int exitCode, String output) {}

    private static Psql psql(List<String> command, String password) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().remove("PGPASSWORD");
        builder.environment().put("PGPASSFILE", "/dev/null");
        if (password != null) {
            builder.environment().put("PGPASSWORD", password);
        }
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new Psql(process.exitValue(), output);
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
            assertThatThrownBy(() -> EmbeddedPostgres.start(dataDir))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("in use");
            assertThat(query(running, "SELECT 'still serving'")).isEqualTo("still serving");
        }
    }

    @Test
    void start_afterOwningProcessWasKilled_stopsTheOrphanedServerAndTakesOver() throws Exception {
        Process owner = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        EmbeddedPostgresOwner.class.getName(),
                        dataDir.toString())
                .redirectErrorStream(true)
                .start();
        try {
            awaitLine(owner, "ready");
            try (Connection connection = DriverManager.getConnection(
                            jdbcUrlOf(dataDir),
                            "postgres",
                            Files.readString(EmbeddedPostgres.passwordFile(dataDir))
                                    .strip());
                    Statement statement = connection.createStatement()) {
                statement.execute("CREATE TABLE kept (value text)");
                statement.execute("INSERT INTO kept VALUES ('committed before the crash')");
            }
            long orphanPid = Long.parseLong(
                    Files.readAllLines(dataDir.resolve("postmaster.pid")).get(0).strip());

            owner.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            assertThat(ProcessHandle.of(orphanPid).map(ProcessHandle::isAlive))
                    .as("SIGKILL leaves PostgreSQL running")
                    .contains(true);

            try (EmbeddedPostgres server = EmbeddedPostgres.start(dataDir)) {
                assertThat(ProcessHandle.of(orphanPid)
                                .map(ProcessHandle::isAlive)
                                .orElse(false))
                        .isFalse();
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
        try (Connection connection =
                        DriverManager.getConnection(server.jdbcUrl(), server.username(), server.password());
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getString(1);
        }
    }

    private static void execute(EmbeddedPostgres server, String... statements) throws SQLException {
        try (Connection connection =
                        DriverManager.getConnection(server.jdbcUrl(), server.username(), server.password());
                Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        }
    }
}
