package org.openwallet.platform;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openwallet.platform.crypto.SecretKeys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bank network simulator (the {@code bank-simulator} module, contract in docs/bank-simulator.md)
 * run as a child JVM on 127.0.0.1, for a wallet with no real bank to talk to.
 *
 * <p>It is a separate program on purpose: the wallet reaches it only over HTTP and receives its
 * webhooks like any bank's, so the funding code is the code that would face a real bank. It runs
 * on the same {@code java} as this wallet, with the classpath the {@code bank-simulator} module of
 * the build wrote into the resource {@value #CLASSPATH_RESOURCE}; its jars never join the wallet's
 * classpath. Only this class holds the other end of the child's standard-input pipe, and the child
 * exits when that pipe closes: when the wallet dies, even by SIGKILL, its bank goes too.
 *
 * <p>The child writes the port it bound to {@value #PORT_FILE} in the directory; with port 0 the
 * port found there from the previous start is tried first, so a restarted wallet usually finds its
 * bank at the same address. Its output goes to {@value #LOG_FILE} there. The simulator keeps its
 * transfers in memory only: a restart forgets transfers in flight and their webhooks.
 */
public final class EmbeddedBankSimulator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedBankSimulator.class);
    /** Written by the {@code bank-simulator} module: its jar and its runtime jars, ':'-separated. */
    static final String CLASSPATH_RESOURCE = "/org/openwallet/bank/runtime.classpath";

    static final String MAIN_CLASS = "org.openwallet.bank.BankSimulator";
    static final String PORT_FILE = "bank-simulator.port";
    static final String LOG_FILE = "bank-simulator.log";
    private static final String LOCK_FILE = "bank-simulator.lock";
    /** A small program: a small heap, and the client compiler only, which starts faster. */
    private static final List<String> JVM_OPTIONS =
            List.of("-Xms32m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    private static final Duration STARTUP_WAIT = Duration.ofSeconds(30);
    private static final Duration STOP_WAIT = Duration.ofSeconds(10);
    private static final Duration POLL = Duration.ofMillis(20);
    private static final int LOG_TAIL_LINES = 20;

    private final Process process;
    private final int port;
    private final Path directory;
    private final FileChannel lockChannel;
    private final FileLock lock;

    private EmbeddedBankSimulator(Process process, int port, Path directory, FileChannel lockChannel, FileLock lock) {
        this.process = process;
        this.port = port;
        this.directory = directory;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /**
     * Starts the simulator and returns once it listens.
     *
     * @param directory        where its port file and log go; one running simulator per directory
     * @param port             the port on 127.0.0.1, or 0 for the one remembered from the last start (if free) or any free one
     * @param webhookUrl       where it sends its webhooks; null to set it later through {@code POST /admin/config}
     * @param secretFile       the webhook signing secret: base64 of at least 32 random bytes, as {@link SecretKeys} writes it
     * @param settlementDelay  how long each transfer takes to settle or fail (its fixed-delay mode); zero for tests
     */
    public static EmbeddedBankSimulator start(
            Path directory, int port, URI webhookUrl, Path secretFile, Duration settlementDelay) throws IOException {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be from 0 to 65535, not " + port);
        }
        if (!Files.isRegularFile(secretFile)) {
            throw new IOException("The bank simulator's webhook secret file " + secretFile + " does not exist");
        }
        String classpath = runtimeClasspath();
        directory = directory.toAbsolutePath();
        Files.createDirectories(directory);
        FileChannel lockChannel =
                FileChannel.open(directory.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = tryLock(lockChannel);
        if (lock == null) {
            lockChannel.close();
            throw new IOException(
                    "The bank simulator directory " + directory + " is in use by a running wallet; stop it first");
        }
        try {
            Path portFile = directory.resolve(PORT_FILE);
            int remembered = port == 0 ? rememberedFreePort(portFile) : 0;
            try {
                return launch(
                        directory,
                        classpath,
                        port != 0 ? port : remembered,
                        webhookUrl,
                        secretFile,
                        settlementDelay,
                        lockChannel,
                        lock);
            } catch (IOException taken) {
                if (remembered == 0) {
                    throw taken;
                }
                // The remembered port was free a moment ago; another program took it since. Any port will do.
                log.warn(
                        "The bank simulator could not listen on its previous port {}; starting it on a free one",
                        remembered);
                return launch(directory, classpath, 0, webhookUrl, secretFile, settlementDelay, lockChannel, lock);
            }
        } catch (IOException | RuntimeException failure) {
            if (lock.isValid()) {
                lock.release();
            }
            lockChannel.close();
            throw failure;
        }
    }

    private static EmbeddedBankSimulator launch(
            Path directory,
            String classpath,
            int port,
            URI webhookUrl,
            Path secretFile,
            Duration settlementDelay,
            FileChannel lockChannel,
            FileLock lock)
            throws IOException {
        Path portFile = directory.resolve(PORT_FILE);
        Files.deleteIfExists(portFile);
        List<String> command = new ArrayList<>();
        command.add(javaCommand());
        command.addAll(JVM_OPTIONS);
        command.addAll(List.of(
                "-cp",
                classpath,
                MAIN_CLASS,
                "--port=" + port,
                "--port-file=" + portFile,
                "--secret-file=" + secretFile.toAbsolutePath(),
                "--delay-millis=" + settlementDelay.toMillis()));
        if (webhookUrl != null) {
            command.add("--webhook-url=" + webhookUrl);
        }
        // Standard input stays a pipe that only this process holds: its end of file tells the child to exit.
        Process process = new ProcessBuilder(command)
                .directory(directory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(
                        directory.resolve(LOG_FILE).toFile()))
                .start();
        long startedAt = System.nanoTime();
        long deadline = startedAt + STARTUP_WAIT.toNanos();
        try {
            while (true) {
                Integer bound = readPort(portFile);
                if (bound != null) {
                    EmbeddedBankSimulator simulator =
                            new EmbeddedBankSimulator(process, bound, directory, lockChannel, lock);
                    log.info(
                            "The bank simulator is up on http://127.0.0.1:{} (pid {}) after {} ms; its log is {}",
                            bound,
                            process.pid(),
                            Duration.ofNanos(System.nanoTime() - startedAt).toMillis(),
                            directory.resolve(LOG_FILE));
                    return simulator;
                }
                if (!process.isAlive()) {
                    throw new IOException("The bank simulator exited with " + process.exitValue() + " while starting; "
                            + logTail(directory));
                }
                if (System.nanoTime() > deadline) {
                    stop(process);
                    throw new IOException(
                            "The bank simulator did not listen within " + STARTUP_WAIT + "; " + logTail(directory));
                }
                Thread.sleep(POLL.toMillis());
            }
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IOException("Interrupted while waiting for the bank simulator", interrupted);
        }
    }

    /** Where the bank's API is, e.g. {@code http://127.0.0.1:41234}. */
    public URI baseUrl() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Path logFile() {
        return directory.resolve(LOG_FILE);
    }

    /** Closes this side of the child's stdin pipe, as the kernel does when the wallet dies; for tests. */
    void closeParentPipe() throws IOException {
        process.getOutputStream().close();
    }

    /**
     * Stops the simulator: closes its stdin, on which it exits at once; if it has not within
     * {@link #STOP_WAIT}, SIGTERM, then SIGKILL. Then releases the directory.
     */
    @Override
    public void close() throws IOException {
        try {
            stop(process);
            log.info("The bank simulator (pid {}) stopped", process.pid());
        } finally {
            if (lock.isValid()) {
                lock.release();
            }
            lockChannel.close();
        }
    }

    private static void stop(Process process) {
        try {
            try {
                process.getOutputStream().close();
            } catch (IOException alreadyClosed) {
                // The pipe is gone already; the signals below still stop the child.
            }
            if (process.waitFor(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                return;
            }
            log.warn("The bank simulator (pid {}) did not exit when its stdin closed; terminating it", process.pid());
            process.destroy();
            if (!process.waitFor(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    /** The binary of the JVM running this wallet, so the simulator needs no JDK of its own. */
    static String javaCommand() {
        return ProcessHandle.current()
                .info()
                .command()
                .orElseGet(() ->
                        Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /** The simulator's classpath, as the build wrote it; every jar on it must still be there. */
    static String runtimeClasspath() throws IOException {
        String classpath;
        try (InputStream resource = EmbeddedBankSimulator.class.getResourceAsStream(CLASSPATH_RESOURCE)) {
            if (resource == null) {
                throw new IOException(
                        "The resource " + CLASSPATH_RESOURCE + " is missing: this wallet was built without its"
                                + " bank-simulator module; rebuild it with ./wallet build");
            }
            classpath = new String(resource.readAllBytes(), StandardCharsets.UTF_8).strip();
        }
        List<String> missing = Arrays.stream(classpath.split(File.pathSeparator))
                .filter(entry -> !entry.isBlank() && entry.endsWith(".jar") && !entry.contains("wallet-bank-simulator"))
                .filter(entry -> !Files.isRegularFile(Path.of(entry)))
                .toList();
        if (!missing.isEmpty()) {
            throw new IOException("The bank simulator's jars were built into the wallet by path and " + missing.size()
                    + " of them are gone (e.g. " + missing.get(0)
                    + "); rebuild the wallet with ./wallet build on this machine");
        }
        return classpath;
    }

    /** The port the simulator had last time, if it is free now; else 0. */
    private static int rememberedFreePort(Path portFile) {
        Integer remembered = readPort(portFile);
        if (remembered == null) {
            return 0;
        }
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), remembered));
            return remembered;
        } catch (IOException taken) {
            return 0;
        }
    }

    /** The port in {@code portFile} (the child writes it atomically once it listens), or null if there is none yet. */
    private static Integer readPort(Path portFile) {
        try {
            String text = Files.readString(portFile, StandardCharsets.US_ASCII).strip();
            return text.matches("[0-9]{1,5}") ? Integer.valueOf(text) : null;
        } catch (IOException absent) {
            return null;
        }
    }

    private static String logTail(Path directory) {
        Path logFile = directory.resolve(LOG_FILE);
        String tail;
        try (Stream<String> lines = Files.lines(logFile, StandardCharsets.UTF_8)) {
            List<String> all = lines.toList();
            tail = String.join("\n", all.subList(Math.max(0, all.size() - LOG_TAIL_LINES), all.size()));
        } catch (IOException | UncheckedIOException unreadable) {
            tail = "(no output: " + unreadable.getMessage() + ")";
        }
        return "its log is " + logFile + "; its last output:\n" + tail;
    }

    private static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock();
        } catch (OverlappingFileLockException heldByThisProcess) {
            return null;
        }
    }
}
