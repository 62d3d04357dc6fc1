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
import org.openwallet.platform.crypto.SecretKeys;
import org.openwallet.platform.redis.Redis;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Redis server run as a child process on 127.0.0.1: Debian's {@code redis-server} when it
 * is on the PATH, else the Linux x86-64 binary that {@code com.github.codemonstur:embedded-redis}
 * ships. Redis holds only what can be rebuilt (idempotency fast path, rate-limit and velocity
 * counters, caches), so it runs without persistence; PostgreSQL stays the truth.
 *
 * <p>It still requires a password: anyone on the machine can reach 127.0.0.1, and a local user who
 * could write the idempotency fast path could make a retried payment look new or a new one look
 * like a replay. The password is generated into the directory on first start ({@value #PASSWORD_FILE},
 * owner-only, as {@link SecretKeys} writes it; a directory from before passwords gets one on its
 * next start) and reaches the server through an owner-only configuration file, never the command
 * line, which every local user can read in {@code ps}. The directory itself is made owner-only too.
 *
 * <p>A server that exits by itself (killed, crashed, out of memory) is started again on the same
 * port, with the same password, after a back-off from {@value #RESTART_BACKOFF_MIN_MILLIS} ms
 * doubling to {@value #RESTART_BACKOFF_MAX_MILLIS} ms, for as long as this object is open: a child
 * process nobody restarts would leave the wallet without Redis until the wallet itself restarted.
 * The wallet's client finds it again by itself ({@link Redis}).
 */
public final class EmbeddedRedis implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedRedis.class);
    private static final String BUNDLED_BINARY = "/redis-server-6.2.6-v5-linux-amd64";
    private static final Duration STARTUP_WAIT = Duration.ofSeconds(20);
    private static final Duration STOP_WAIT = Duration.ofSeconds(10);
    static final String PASSWORD_FILE = "redis.password";
    private static final String CONFIG_FILE = "redis.conf";
    private static final int PASSWORD_BYTES = 32;
    static final long RESTART_BACKOFF_MIN_MILLIS = 100;
    static final long RESTART_BACKOFF_MAX_MILLIS = 5_000;

    private final List<String> command;
    private final int port;
    private final String password;
    private final FileChannel lockChannel;
    private final FileLock lock;
    /** Guards {@link #process} and {@link #closed}: a restart and a close never overlap. */
    private final Object lifecycle = new Object();

    private Process process;
    private boolean closed;

    private EmbeddedRedis(
            List<String> command, Process process, int port, String password, FileChannel lockChannel, FileLock lock) {
        this.command = command;
        this.process = process;
        this.port = port;
        this.password = password;
        this.lockChannel = lockChannel;
        this.lock = lock;
        Thread.ofVirtual().name("embedded-redis-supervisor").start(this::superviseProcess);
    }

    /** Starts a Redis server on a free port with its files in {@code directory}. */
    public static EmbeddedRedis start(Path directory, String... extraArguments) throws IOException {
        return start(directory, freePort(), extraArguments);
    }

    public static EmbeddedRedis start(Path directory, int port, String... extraArguments) throws IOException {
        Files.createDirectories(directory);
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwx------"));
        FileChannel lockChannel =
                FileChannel.open(directory.resolve("redis.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = tryLock(lockChannel);
        if (lock == null) {
            lockChannel.close();
            throw new IOException("The Redis directory " + directory + " is in use by a running wallet; stop it first");
        }
        try {
            stopStaleServer(directory.resolve("redis.pid"));
            String password = SecretKeys.loadOrCreatePassword(passwordFile(directory), PASSWORD_BYTES);
            Path config = writeConfig(directory, password);
            // The configuration file must be the first argument; what follows overrides it.
            List<String> command = new ArrayList<>(List.of(
                    binary(directory).toString(),
                    config.toAbsolutePath().toString(),
                    "--port",
                    Integer.toString(port),
                    "--bind",
                    "127.0.0.1",
                    "--dir",
                    directory.toAbsolutePath().toString(),
                    "--pidfile",
                    directory.resolve("redis.pid").toAbsolutePath().toString(),
                    "--logfile",
                    directory.resolve("redis.log").toAbsolutePath().toString(),
                    "--daemonize",
                    "no",
                    "--save",
                    "",
                    "--appendonly",
                    "no"));
            command.addAll(List.of(extraArguments));
            Process process = launch(command, port, password);
            log.info(
                    "Redis is up on 127.0.0.1:{} (pid {}), password in {}",
                    port,
                    process.pid(),
                    passwordFile(directory));
            return new EmbeddedRedis(List.copyOf(command), process, port, password, lockChannel, lock);
        } catch (IOException | RuntimeException failure) {
            lock.release();
            lockChannel.close();
            throw failure;
        }
    }

    private static Process launch(List<String> command, int port, String password) throws IOException {
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        awaitPong(process, port, password);
        return process;
    }

    /** Waits for the server to exit and, unless it was closed, starts it again; ends with {@link #close}. */
    private void superviseProcess() {
        long backoffMillis = RESTART_BACKOFF_MIN_MILLIS;
        while (true) {
            Process current;
            synchronized (lifecycle) {
                if (closed) {
                    return;
                }
                current = process;
            }
            try {
                int exit = current.waitFor();
                synchronized (lifecycle) {
                    if (closed) {
                        return;
                    }
                }
                log.warn(
                        "Redis (pid {}) exited by itself with {}; starting it again on port {} in {} ms",
                        current.pid(),
                        exit,
                        port,
                        backoffMillis);
                Thread.sleep(backoffMillis);
                synchronized (lifecycle) {
                    if (closed) {
                        return;
                    }
                    process = launch(command, port, password);
                    log.info("Redis is up again on 127.0.0.1:{} (pid {})", port, process.pid());
                }
                backoffMillis = RESTART_BACKOFF_MIN_MILLIS;
            } catch (IOException failed) {
                // The port may still be held a moment, or the machine is out of something: back off and try again.
                log.warn("Redis could not be started again: {}", failed.getMessage());
                backoffMillis = Math.min(backoffMillis * 2, RESTART_BACKOFF_MAX_MILLIS);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private Process process() {
        synchronized (lifecycle) {
            return process;
        }
    }

    public int port() {
        return port;
    }

    /** The current server process; another one after a restart. */
    public long pid() {
        return process().pid();
    }

    /** The URI to connect with, password included: treat it as the secret it contains (Lettuce masks it when printing a RedisURI). */
    public String uri() {
        return "redis://:" + password + "@127.0.0.1:" + port;
    }

    public String password() {
        return password;
    }

    /** Where the server in {@code directory} keeps its password; nodes of one cluster share one by copying the file before they start. */
    public static Path passwordFile(Path directory) {
        return directory.resolve(PASSWORD_FILE);
    }

    public boolean isAlive() {
        return process().isAlive();
    }

    /** Stops the server (SIGTERM, then SIGKILL after a grace period), for good, and releases its directory. */
    @Override
    public void close() throws IOException {
        Process process;
        synchronized (lifecycle) {
            closed = true;
            process = this.process;
        }
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
                    throw new IOException(
                            "No redis-server on the PATH and none bundled; install Redis or set WALLET_REDIS_URL");
                }
                Files.copy(bundled, temporary, StandardCopyOption.REPLACE_EXISTING);
            }
            Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rwx------"));
            Files.move(temporary, extracted, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        return extracted;
    }

    /**
     * Writes the configuration file that carries the password, owner-only from its first byte
     * (created so, then moved into place), on every start, so a changed password file takes effect.
     */
    private static Path writeConfig(Path directory, String password) throws IOException {
        Path config = directory.resolve(CONFIG_FILE);
        Path temporary = Files.createTempFile(
                directory,
                ".redis-conf",
                ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(
                temporary,
                "# Written by the wallet on every start: it holds the password, so it is owner-only.\n" + "requirepass "
                        + password + "\n",
                StandardCharsets.US_ASCII);
        Files.move(temporary, config, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return config;
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
                .filter(process -> process.info()
                        .command()
                        .map(command -> command.contains("redis-server"))
                        .orElse(false));
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

    /** Waits until the server answers an authenticated PING: AUTH, then PING, on one connection. */
    private static void awaitPong(Process process, int port, String password) throws IOException {
        byte[] commands = ("*2\r\n$4\r\nAUTH\r\n$" + password.length() + "\r\n" + password + "\r\n*1\r\n$4\r\nPING\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        long deadline = System.nanoTime() + STARTUP_WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("redis-server exited with " + process.exitValue() + " on start; see redis.log");
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                socket.setSoTimeout(500);
                socket.getOutputStream().write(commands);
                if (replies(socket.getInputStream(), "+OK\r\n+PONG\r\n".length())
                        .equals("+OK\r\n+PONG\r\n")) {
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

    /** Reads up to {@code length} bytes, fewer if the server closes or answers an error (which starts with '-'). */
    private static String replies(InputStream in, int length) throws IOException {
        StringBuilder replies = new StringBuilder();
        byte[] buffer = new byte[length];
        while (replies.length() < length) {
            int read = in.read(buffer, 0, length - replies.length());
            if (read < 0) {
                break;
            }
            replies.append(new String(buffer, 0, read, StandardCharsets.US_ASCII));
            if (replies.charAt(0) == '-') {
                break;
            }
        }
        return replies.toString();
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
