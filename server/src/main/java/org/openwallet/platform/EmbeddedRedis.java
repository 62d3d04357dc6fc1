package org.openwallet.platform;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Redis server run as a child process on 127.0.0.1: Debian's {@code redis-server} when it
 * is on the PATH, else the Linux x86-64 binary that {@code com.github.codemonstur:embedded-redis}
 * ships. Redis holds only what can be rebuilt (idempotency fast path, rate-limit and velocity
 * counters, caches), so it runs without persistence; PostgreSQL stays the truth.
 */
public final class EmbeddedRedis implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedRedis.class);
    private static final String BUNDLED_BINARY = "/redis-server-6.2.6-v5-linux-amd64";
    private static final Duration STARTUP_WAIT = Duration.ofSeconds(20);
    private static final Duration STOP_WAIT = Duration.ofSeconds(10);

    private final Process process;
    private final int port;
    private final FileChannel lockChannel;
    private final FileLock lock;

    private EmbeddedRedis(Process process, int port, FileChannel lockChannel, FileLock lock) {
        this.process = process;
        this.port = port;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /** Starts a Redis server on a free port with its files in {@code directory}. */
    public static EmbeddedRedis start(Path directory, String... extraArguments) throws IOException {
        return start(directory, freePort(), extraArguments);
    }

    public static EmbeddedRedis start(Path directory, int port, String... extraArguments) throws IOException {
        Files.createDirectories(directory);
        FileChannel lockChannel = FileChannel.open(directory.resolve("redis.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = tryLock(lockChannel);
        if (lock == null) {
            lockChannel.close();
            throw new IOException("The Redis directory " + directory + " is in use by a running wallet; stop it first");
        }
        try {
            stopStaleServer(directory.resolve("redis.pid"));
            List<String> command = new ArrayList<>(List.of(binary(directory).toString(),
                    "--port", Integer.toString(port),
                    "--bind", "127.0.0.1",
                    "--dir", directory.toAbsolutePath().toString(),
                    "--pidfile", directory.resolve("redis.pid").toAbsolutePath().toString(),
                    "--logfile", directory.resolve("redis.log").toAbsolutePath().toString(),
                    "--daemonize", "no",
                    "--save", "",
                    "--appendonly", "no"));
            command.addAll(List.of(extraArguments));
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            awaitPong(process, port);
            log.info("Redis is up on 127.0.0.1:{} (pid {})", port, process.pid());
            return new EmbeddedRedis(process, port, lockChannel, lock);
        } catch (IOException | RuntimeException failure) {
            lock.release();
            lockChannel.close();
            throw failure;
        }
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Stops the server (SIGTERM, then SIGKILL after a grace period) and releases its directory. */
    @Override
    public void close() throws IOException {
        try {
            process.destroy();
            if (!process.waitFor(STOP_WAIT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(STOP_WAIT.toSeconds(), TimeUnit.SECONDS);
            }
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        } finally {
            if (lock.isValid()) {
                lock.release();
            }
            lockChannel.close();
        }
    }

    private static Path binary(Path directory) throws IOException {
        for (String entry : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path candidate = Path.of(entry.isEmpty() ? "." : entry, "redis-server");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        Path extracted = directory.resolve("bin").resolve("redis-server");
        if (!Files.isExecutable(extracted)) {
            Files.createDirectories(extracted.getParent());
            Path temporary = Files.createTempFile(extracted.getParent(), "redis-server", ".tmp");
            try (InputStream bundled = EmbeddedRedis.class.getResourceAsStream(BUNDLED_BINARY)) {
                if (bundled == null) {
                    throw new IOException("No redis-server on the PATH and none bundled; install Redis or set WALLET_REDIS_URL");
                }
                Files.copy(bundled, temporary, StandardCopyOption.REPLACE_EXISTING);
            }
            Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rwx------"));
            Files.move(temporary, extracted, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        return extracted;
    }

    /** A server left by a killed wallet (its PID file names it) is stopped before a new one starts. */
    private static void stopStaleServer(Path pidFile) throws IOException {
        if (!Files.exists(pidFile)) {
            return;
        }
        String text = Files.readString(pidFile).strip();
        if (!text.matches("\\d+")) {
            return;
        }
        Optional<ProcessHandle> stale = ProcessHandle.of(Long.parseLong(text))
                .filter(ProcessHandle::isAlive)
                .filter(process -> process.info().command().map(command -> command.contains("redis-server")).orElse(false));
        if (stale.isPresent()) {
            log.warn("Stopping a Redis (pid {}) left running by an earlier wallet process", text);
            stale.get().destroyForcibly();
            try {
                stale.get().onExit().get(STOP_WAIT.toSeconds(), TimeUnit.SECONDS);
            } catch (Exception exception) {
                throw new IOException("Redis pid " + text + " did not stop", exception);
            }
        }
    }

    private static void awaitPong(Process process, int port) throws IOException {
        long deadline = System.nanoTime() + STARTUP_WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("redis-server exited with " + process.exitValue() + " on start; see redis.log");
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                socket.setSoTimeout(500);
                socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
                byte[] reply = new byte[7];
                int read = socket.getInputStream().read(reply);
                if (read > 0 && new String(reply, 0, read, StandardCharsets.US_ASCII).startsWith("+PONG")) {
                    return;
                }
            } catch (IOException notYet) {
                // Not listening yet.
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                throw new IOException("Interrupted while waiting for Redis", interrupted);
            }
        }
        process.destroyForcibly();
        throw new IOException("Redis did not answer PING within " + STARTUP_WAIT);
    }

    private static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock();
        } catch (OverlappingFileLockException heldByThisProcess) {
            return null;
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
