package org.openwallet.devstack;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How every embedded server runs, written once: a lock on its directory, ports chosen once and kept,
 * an orphan of an earlier wallet found by its PID file and stopped, a child process started with its
 * output in a log file, waited for until it is ready, and stopped.
 *
 * <p>An instance is the claim on one server's directory: while it is open no other wallet (another
 * process, or another context in this one) can start a server there. The child is started by
 * {@link #launch}; its standard input stays a pipe that only this JVM holds, so a child that exits on
 * end of file (the Cassandra node, the bank simulator) dies with its wallet, even by SIGKILL. Children
 * that cannot (Redis, PostgreSQL) are found by their PID file on the next start and stopped then.
 */
final class ChildServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ChildServer.class);
    private static final Duration POLL = Duration.ofMillis(20);
    private static final int LOG_TAIL_LINES = 40;

    /** What the readiness check asks; it may throw while the child is not listening yet. */
    @FunctionalInterface
    interface Readiness {
        boolean ready() throws IOException;
    }

    private final String name;
    private final Path directory;
    private final FileChannel lockChannel;
    private final FileLock lock;

    private ChildServer(String name, Path directory, FileChannel lockChannel, FileLock lock) {
        this.name = name;
        this.directory = directory;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /**
     * Creates {@code directory} if needed and locks its {@code lockFile}; refused while another
     * wallet holds it.
     *
     * @param name what the server is called in messages, e.g. {@code "Redis"}
     */
    static ChildServer claim(String name, Path directory, String lockFile) throws IOException {
        Path absolute = directory.toAbsolutePath();
        Files.createDirectories(absolute);
        FileChannel channel =
                FileChannel.open(absolute.resolve(lockFile), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException heldByThisProcess) {
            lock = null;
        } catch (IOException | RuntimeException failure) {
            channel.close();
            throw failure;
        }
        if (lock == null) {
            channel.close();
            throw new IOException(name + " in " + absolute + " is in use by a running wallet; stop it first");
        }
        return new ChildServer(name, absolute, channel, lock);
    }

    Path directory() {
        return directory;
    }

    /**
     * Starts {@code command} in the directory and returns once {@code readiness} says yes. Its output
     * is appended to {@code logFile} (null: discarded, for a server that writes a log of its own); a
     * {@code pidFile} (null: none, for a server that writes its own) names it for the next start's
     * {@link #stopOrphan}. A child that exits while starting, or is not ready within
     * {@code startupWait} (it is stopped then), fails the start with the end of its log.
     */
    Process launch(
            List<String> command,
            Path logFile,
            Path pidFile,
            Duration startupWait,
            Duration stopWait,
            Readiness readiness)
            throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(directory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(
                        logFile == null
                                ? ProcessBuilder.Redirect.DISCARD
                                : ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        Process process = builder.start();
        if (pidFile != null) {
            Files.writeString(pidFile, Long.toString(process.pid()));
        }
        long deadline = System.nanoTime() + startupWait.toNanos();
        try {
            while (true) {
                boolean ready;
                try {
                    ready = readiness.ready();
                } catch (IOException notYet) {
                    ready = false;
                }
                if (ready) {
                    return process;
                }
                if (!process.isAlive()) {
                    throw new IOException(
                            name + " exited with " + process.exitValue() + " while starting; " + logTail(logFile));
                }
                if (System.nanoTime() > deadline) {
                    stop(process, stopWait);
                    throw new IOException(name + " was not ready within " + startupWait + "; " + logTail(logFile));
                }
                Thread.sleep(POLL.toMillis());
            }
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IOException("Interrupted while waiting for " + name, interrupted);
        }
    }

    /**
     * Stops a child: closes its standard input (a child that watches it exits at once) and sends
     * SIGTERM; if it has not exited within {@code wait}, SIGKILL.
     */
    static void stop(Process process, Duration wait) {
        try {
            try {
                process.getOutputStream().close();
            } catch (IOException alreadyClosed) {
                // The pipe is gone already; the signals below still stop the child.
            }
            process.destroy();
            if (!process.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("pid {} did not stop within {}; killing it", process.pid(), wait);
                process.destroyForcibly().waitFor(wait.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    /**
     * A server left running by an earlier wallet that was killed (SIGKILL, OOM) keeps the directory.
     * It is found by the PID on the first line of {@code pidFile}, and stopped only if it is alive and
     * {@code isOurs} recognises it (a PID is reused once its process is gone): SIGTERM, then, if it has
     * not exited within {@code wait} and {@code killWhenSlow}, SIGKILL. Call it holding the claim.
     */
    void stopOrphan(Path pidFile, Predicate<ProcessHandle.Info> isOurs, Duration wait, boolean killWhenSlow)
            throws IOException {
        if (!Files.exists(pidFile)) {
            return;
        }
        List<String> lines = Files.readAllLines(pidFile);
        if (lines.isEmpty() || !lines.get(0).strip().matches("\\d+")) {
            return;
        }
        long pid = Long.parseLong(lines.get(0).strip());
        Optional<ProcessHandle> orphan =
                ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(process -> isOurs.test(process.info()));
        if (orphan.isEmpty()) {
            return;
        }
        log.warn("Stopping {} (pid {}) left running on {} by an earlier wallet process", name, pid, directory);
        orphan.get().destroy();
        try {
            try {
                orphan.get().onExit().get(wait.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException slow) {
                if (!killWhenSlow) {
                    throw slow;
                }
                orphan.get().destroyForcibly();
                orphan.get().onExit().get(wait.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while stopping " + name + " pid " + pid, interrupted);
        } catch (Exception notStopped) {
            throw new IOException(
                    name + " pid " + pid + " on " + directory + " did not stop; stop it and retry", notStopped);
        }
    }

    /** Releases the directory. */
    @Override
    public void close() throws IOException {
        try {
            if (lock.isValid()) {
                lock.release();
            }
        } finally {
            lockChannel.close();
        }
    }

    /**
     * The classpath of a child JVM as a module of the build wrote it into {@code resource} (its jar and
     * its runtime jars by absolute path, ':'-separated; see cassandra/pom.xml); every jar on it must
     * still be there.
     *
     * @param module      the build module that writes it, e.g. {@code cassandra}
     * @param ownJar      the part of that module's own jar name, which may be absent while Maven runs from target/classes
     * @param otherwise   what else to do, appended to the messages, or empty
     */
    static String runtimeClasspath(String resource, String module, String ownJar, String otherwise) throws IOException {
        String classpath;
        try (InputStream in = ChildServer.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("The resource " + resource + " is missing: this wallet was built without its "
                        + module + " module; rebuild it with ./wallet build" + otherwise);
            }
            classpath = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        }
        List<String> missing = Arrays.stream(classpath.split(File.pathSeparator))
                .filter(entry -> !entry.isBlank() && entry.endsWith(".jar") && !entry.contains(ownJar))
                .filter(entry -> !Files.isRegularFile(Path.of(entry)))
                .toList();
        if (!missing.isEmpty()) {
            throw new IOException("The jars of the " + module + " module were built into the wallet by path and "
                    + missing.size() + " of them are gone (e.g. " + missing.get(0)
                    + "); rebuild the wallet with ./wallet build on this machine" + otherwise);
        }
        return classpath;
    }

    /** The last lines of a child's log, and where it is. */
    static String logTail(Path logFile) {
        if (logFile == null) {
            return "its output was discarded";
        }
        String tail;
        try (Stream<String> lines = Files.lines(logFile, StandardCharsets.UTF_8)) {
            List<String> all = lines.toList();
            tail = String.join("\n", all.subList(Math.max(0, all.size() - LOG_TAIL_LINES), all.size()));
        } catch (IOException | UncheckedIOException unreadable) {
            tail = "(no output: " + unreadable.getMessage() + ")";
        }
        return "its log is " + logFile + "; its last output:\n" + tail;
    }

    /** A port on 127.0.0.1 that is free at this moment. */
    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** Whether {@code port} on 127.0.0.1 can be bound at this moment. */
    static boolean isFree(int port) {
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException taken) {
            return false;
        }
    }

    /** Whether something accepts connections on {@code port} of 127.0.0.1. */
    static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException notListening) {
            return false;
        }
    }

    /**
     * The ports named {@code names}, chosen (free and distinct) on the first start and kept in
     * {@code file}, so clients and stored offsets find the server where it was after a restart.
     */
    static int[] keptPorts(Path file, String comment, String... names) throws IOException {
        Properties ports = new Properties();
        int[] chosen = new int[names.length];
        if (Files.exists(file)) {
            try (Reader reader = Files.newBufferedReader(file)) {
                ports.load(reader);
            }
            for (int i = 0; i < names.length; i++) {
                chosen[i] = Integer.parseInt(ports.getProperty(names[i]));
            }
            return chosen;
        }
        for (int i = 0; i < names.length; i++) {
            int port = freePort();
            for (int j = 0; j < i; j++) {
                if (chosen[j] == port) {
                    port = freePort();
                    j = -1;
                }
            }
            chosen[i] = port;
            ports.setProperty(names[i], Integer.toString(port));
        }
        try (Writer writer = Files.newBufferedWriter(file)) {
            ports.store(writer, comment);
        }
        return chosen;
    }
}
