package org.openwallet.devstack;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
 * owner-only, as {@link SecretFiles} writes it; a directory from before passwords gets one on its
 * next start) and reaches the server through an owner-only configuration file, never the command
 * line, which every local user can read in {@code ps}. The directory itself is made owner-only too.
 *
 * <p>A server that exits by itself (killed, crashed, out of memory) is started again on the same
 * port, with the same password, after a back-off from {@value #RESTART_BACKOFF_MIN_MILLIS} ms
 * doubling to {@value #RESTART_BACKOFF_MAX_MILLIS} ms, for as long as this object is open: a child
 * process nobody restarts would leave the wallet without Redis until the wallet itself restarted.
 * The wallet's client finds it again by itself.
 */
public final class EmbeddedRedis implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedRedis.class);
    private static final String BUNDLED_BINARY = "/redis-server-6.2.6-v5-linux-amd64";
    private static final Duration STARTUP_WAIT = Duration.ofSeconds(20);
    private static final Duration STOP_WAIT = Duration.ofSeconds(10);
    static final String PASSWORD_FILE = "redis.password";
    private static final String CONFIG_FILE = "redis.conf";
    private static final String LOG_FILE = "redis.log";
    private static final String PID_FILE = "redis.pid";
    private static final int PASSWORD_BYTES = 32;
    static final long RESTART_BACKOFF_MIN_MILLIS = 100;
    static final long RESTART_BACKOFF_MAX_MILLIS = 5_000;

    private final ChildServer child;
    private final List<String> command;
    private final int port;
    private final String password;
    /** Guards {@link #process} and {@link #closed}: a restart and a close never overlap. */
    private final Object lifecycle = new Object();

    private Process process;
    private boolean closed;

    private EmbeddedRedis(ChildServer child, List<String> command, Process process, int port, String password) {
        this.child = child;
        this.command = command;
        this.process = process;
        this.port = port;
        this.password = password;
        Thread.ofVirtual().name("embedded-redis-supervisor").start(this::superviseProcess);
    }

    /** Starts a Redis server on a free port with its files in {@code directory}. */
    public static EmbeddedRedis start(Path directory, String... extraArguments) throws IOException {
        return start(directory, ChildServer.freePort(), extraArguments);
    }

    public static EmbeddedRedis start(Path directory, int port, String... extraArguments) throws IOException {
        Files.createDirectories(directory);
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwx------"));
        ChildServer child = ChildServer.claim("Redis", directory, "redis.lock");
        try {
            Path home = child.directory();
            // Redis stops at once on SIGTERM (it keeps nothing on disk), so a slow one is killed.
            child.stopOrphan(
                    home.resolve(PID_FILE),
                    process -> process.command()
                            .map(command -> command.contains("redis-server"))
                            .orElse(false),
                    STOP_WAIT,
                    true);
            String password = SecretFiles.loadOrCreatePassword(passwordFile(home), PASSWORD_BYTES);
            Path config = writeConfig(home, password);
            // The configuration file must be the first argument; what follows overrides it. With no
            // logfile, Redis logs to its standard output, which goes to redis.log.
            List<String> command = new ArrayList<>(List.of(
                    binary(home).toString(),
                    config.toString(),
                    "--port",
                    Integer.toString(port),
                    "--bind",
                    "127.0.0.1",
                    "--dir",
                    home.toString(),
                    "--pidfile",
                    home.resolve(PID_FILE).toString(),
                    "--daemonize",
                    "no",
                    "--save",
                    "",
                    "--appendonly",
                    "no"));
            command.addAll(List.of(extraArguments));
            Process process = launch(child, command, port, password);
            log.info("Redis is up on 127.0.0.1:{} (pid {}), password in {}", port, process.pid(), passwordFile(home));
            return new EmbeddedRedis(child, List.copyOf(command), process, port, password);
        } catch (IOException | RuntimeException failure) {
            child.close();
            throw failure;
        }
    }

    private static Process launch(ChildServer child, List<String> command, int port, String password)
            throws IOException {
        // Redis writes its own PID file (--pidfile).
        return child.launch(
                command,
                child.directory().resolve(LOG_FILE),
                null,
                STARTUP_WAIT,
                STOP_WAIT,
                () -> answersPong(port, password));
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
                    process = launch(child, command, port, password);
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
        Process current;
        synchronized (lifecycle) {
            closed = true;
            current = this.process;
        }
        try {
            ChildServer.stop(current, STOP_WAIT);
        } finally {
            child.close();
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

    /** Whether the server answers an authenticated PING: AUTH, then PING, on one connection. */
    private static boolean answersPong(int port, String password) throws IOException {
        byte[] commands = ("*2\r\n$4\r\nAUTH\r\n$" + password.length() + "\r\n" + password + "\r\n*1\r\n$4\r\nPING\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            socket.setSoTimeout(500);
            socket.getOutputStream().write(commands);
            return replies(socket.getInputStream(), "+OK\r\n+PONG\r\n".length()).equals("+OK\r\n+PONG\r\n");
        }
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
}
