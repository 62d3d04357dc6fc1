package org.openwallet.devstack;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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

    private final ChildServer child;
    private final Process process;
    private final int port;

    private EmbeddedBankSimulator(ChildServer child, Process process, int port) {
        this.child = child;
        this.process = process;
        this.port = port;
    }

    /**
     * Starts the simulator and returns once it listens.
     *
     * @param directory        where its port file and log go; one running simulator per directory
     * @param port             the port on 127.0.0.1, or 0 for the one remembered from the last start (if free) or any free one
     * @param webhookUrl       where it sends its webhooks; null to set it later through {@code POST /admin/config}
     * @param secretFile       the webhook signing secret: base64 of at least 32 random bytes, as {@link SecretFiles} writes it
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
        String classpath =
                ChildServer.runtimeClasspath(CLASSPATH_RESOURCE, "bank-simulator", "wallet-bank-simulator", "");
        ChildServer child = ChildServer.claim("The bank simulator", directory, LOCK_FILE);
        try {
            Path portFile = child.directory().resolve(PORT_FILE);
            Integer previous = readPort(portFile);
            int remembered = port == 0 && previous != null && ChildServer.isFree(previous) ? previous : 0;
            try {
                return launch(child, classpath, port != 0 ? port : remembered, webhookUrl, secretFile, settlementDelay);
            } catch (IOException taken) {
                if (remembered == 0) {
                    throw taken;
                }
                // The remembered port was free a moment ago; another program took it since. Any port will do.
                log.warn(
                        "The bank simulator could not listen on its previous port {}; starting it on a free one",
                        remembered);
                return launch(child, classpath, 0, webhookUrl, secretFile, settlementDelay);
            }
        } catch (IOException | RuntimeException failure) {
            child.close();
            throw failure;
        }
    }

    private static EmbeddedBankSimulator launch(
            ChildServer child, String classpath, int port, URI webhookUrl, Path secretFile, Duration settlementDelay)
            throws IOException {
        Path portFile = child.directory().resolve(PORT_FILE);
        Files.deleteIfExists(portFile);
        List<String> command = new ArrayList<>();
        command.add(Jdks.currentJava());
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
        long startedAt = System.nanoTime();
        // Standard input stays a pipe that only this process holds: its end of file tells the child to exit.
        // The child writes the port file atomically once it listens.
        Process process = child.launch(
                command,
                child.directory().resolve(LOG_FILE),
                null,
                STARTUP_WAIT,
                STOP_WAIT,
                () -> readPort(portFile) != null);
        int bound = readPort(portFile);
        log.info(
                "The bank simulator is up on http://127.0.0.1:{} (pid {}) after {} ms; its log is {}",
                bound,
                process.pid(),
                Duration.ofNanos(System.nanoTime() - startedAt).toMillis(),
                child.directory().resolve(LOG_FILE));
        return new EmbeddedBankSimulator(child, process, bound);
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
        return child.directory().resolve(LOG_FILE);
    }

    /** Closes this side of the child's stdin pipe, as the kernel does when the wallet dies; for tests. */
    void closeParentPipe() throws IOException {
        process.getOutputStream().close();
    }

    /**
     * Stops the simulator: closes its stdin, on which it exits at once, and sends SIGTERM; SIGKILL if
     * it has not exited within {@link #STOP_WAIT}. Then releases the directory.
     */
    @Override
    public void close() throws IOException {
        try {
            ChildServer.stop(process, STOP_WAIT);
            log.info("The bank simulator (pid {}) stopped", process.pid());
        } finally {
            child.close();
        }
    }

    /** The port in {@code portFile}, or null if there is none yet. */
    private static Integer readPort(Path portFile) {
        try {
            String text = Files.readString(portFile, StandardCharsets.US_ASCII).strip();
            return text.matches("[0-9]{1,5}") ? Integer.valueOf(text) : null;
        } catch (IOException absent) {
            return null;
        }
    }
}
