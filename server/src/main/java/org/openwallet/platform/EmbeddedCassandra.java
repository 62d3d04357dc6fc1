package org.openwallet.platform;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.Socket;
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
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Apache Cassandra 5.0 node for the feed store, run as a child JVM on 127.0.0.1 with its files
 * under a directory that survives restarts.
 *
 * <p>Cassandra 5.0 runs on Java 11 or 17, not on the wallet's Java 21+, and its ~99 jars (their own
 * Guava, Netty, Jackson and Logback) cannot share the wallet's classpath; so it runs in a JVM of its
 * own, on a JDK 17 found on this machine, with the classpath that the {@code cassandra} module of the
 * build wrote into the resource {@value #CLASSPATH_RESOURCE}. That module's
 * {@code org.openwallet.cassandra.CassandraProcess} exits the node as soon as its standard input
 * closes, and only this class holds the other end of that pipe: when the wallet dies, even by
 * SIGKILL, its node drains and exits too.
 *
 * <p>Its two ports are chosen on the first start and kept in {@code ports.properties}, so a restart
 * finds the node where it was. The commit log is synced before a write is acknowledged
 * ({@code commitlog_sync: batch}; concurrent writes share one sync): the feed consumer commits its
 * Kafka offset once Cassandra acknowledged an event's writes, so an acknowledged write must survive
 * a crash of the node. With Cassandra's default (periodic: synced every 10 s, with replay markers
 * every 100 ms) a SIGKILL lost the writes of the last 100 ms, offsets already committed past them:
 * payments that never reached a feed. Production runs a cluster with replication instead, where a
 * write at LOCAL_QUORUM outlives the crash of one node.
 * JMX stays off and both ports bind 127.0.0.1 only; authentication is off, which loopback allows.
 */
public final class EmbeddedCassandra implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedCassandra.class);
    /** Written by the {@code cassandra} module: its jar and the runtime jars of cassandra-all, ':'-separated. */
    static final String CLASSPATH_RESOURCE = "/org/openwallet/cassandra/runtime.classpath";

    static final String MAIN_CLASS = "org.openwallet.cassandra.CassandraProcess";
    static final int JAVA_MAJOR = 17;
    static final Path JVM_DIRECTORY = Path.of("/usr/lib/jvm");
    private static final Duration STARTUP_WAIT = Duration.ofSeconds(120);
    /** A drain flushes every memtable; on a busy node that takes a while. */
    private static final Duration STOP_WAIT = Duration.ofSeconds(60);

    private static final Duration STALE_NODE_STOP_WAIT = Duration.ofSeconds(60);
    private static final int LOG_TAIL_LINES = 40;
    static final String INITIAL_HEAP = "256m";
    private static final long INITIAL_HEAP_BYTES = 256L << 20;
    private static final String LOCK_FILE = "cassandra.lock";
    private static final String PID_FILE = "cassandra.pid";
    private static final String OUTPUT_LOG = "output.log";

    /**
     * From Cassandra 5.0's {@code conf/jvm17-server.options} (JPMS section): Cassandra reaches into
     * JDK internals (Unsafe, direct buffers, the module system) and fails on Java 17 without these.
     * {@code java.nio} is opened as well, as later releases of that file do.
     */
    private static final List<String> JVM17_MODULE_OPTIONS = List.of(
            "-Djdk.attach.allowAttachSelf=true",
            "--add-exports",
            "java.base/jdk.internal.misc=ALL-UNNAMED",
            "--add-exports",
            "java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED",
            "--add-exports",
            "java.rmi/sun.rmi.registry=ALL-UNNAMED",
            "--add-exports",
            "java.rmi/sun.rmi.server=ALL-UNNAMED",
            "--add-exports",
            "java.sql/java.sql=ALL-UNNAMED",
            "--add-exports",
            "java.base/java.lang.ref=ALL-UNNAMED",
            "--add-exports",
            "jdk.unsupported/sun.misc=ALL-UNNAMED",
            "--add-exports",
            "jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
            "--add-exports",
            "jdk.attach/sun.tools.attach=ALL-UNNAMED",
            "--add-opens",
            "java.base/java.lang.module=ALL-UNNAMED",
            "--add-opens",
            "java.base/jdk.internal.loader=ALL-UNNAMED",
            "--add-opens",
            "java.base/jdk.internal.ref=ALL-UNNAMED",
            "--add-opens",
            "java.base/jdk.internal.reflect=ALL-UNNAMED",
            "--add-opens",
            "java.base/jdk.internal.math=ALL-UNNAMED",
            "--add-opens",
            "java.base/jdk.internal.module=ALL-UNNAMED",
            "--add-opens",
            "java.base/jdk.internal.util.jar=ALL-UNNAMED",
            "--add-opens",
            "jdk.management/com.sun.management.internal=ALL-UNNAMED",
            "--add-opens",
            "java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens",
            "java.base/java.io=ALL-UNNAMED",
            "--add-opens",
            "java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens",
            "jdk.compiler/com.sun.tools.javac=ALL-UNNAMED",
            "--add-opens",
            "java.base/java.lang=ALL-UNNAMED",
            "--add-opens",
            "java.base/java.util=ALL-UNNAMED",
            "--add-opens",
            "java.base/java.nio=ALL-UNNAMED");

    private final Process process;
    private final int port;
    private final Path directory;
    private final FileChannel lockChannel;
    private final FileLock lock;

    private EmbeddedCassandra(Process process, int port, Path directory, FileChannel lockChannel, FileLock lock) {
        this.process = process;
        this.port = port;
        this.directory = directory;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /**
     * Starts (initialising on first use) the node whose files live in {@code directory}, on the JDK 17
     * in {@code javaHome}, or with none given, the first JDK 17 under {@code /usr/lib/jvm}. Returns
     * once the node accepts CQL connections.
     *
     * @param heapSize the largest JVM heap, e.g. {@code 768m} (-Xmx); see {@link #initialHeap}
     */
    public static EmbeddedCassandra start(Path directory, Path javaHome, String heapSize) throws IOException {
        Path java = java(javaHome, JVM_DIRECTORY);
        String classpath = runtimeClasspath();
        directory = directory.toAbsolutePath();
        Files.createDirectories(directory);
        FileChannel lockChannel =
                FileChannel.open(directory.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = tryLock(lockChannel);
        if (lock == null) {
            lockChannel.close();
            throw new IOException(
                    "The Cassandra directory " + directory + " is in use by a running wallet; stop it first");
        }
        try {
            stopStaleNode(directory);
            int[] ports = ports(directory.resolve("ports.properties"));
            for (int port : ports) {
                if (accepts(port)) {
                    throw new IOException(
                            "Port " + port + " on 127.0.0.1, kept in " + directory.resolve("ports.properties")
                                    + " for this Cassandra node, is taken by another program; stop it or delete that file");
                }
            }
            for (String subdirectory :
                    List.of("data", "commitlog", "hints", "saved_caches", "cdc_raw", "triggers", "logs")) {
                Files.createDirectories(directory.resolve(subdirectory));
            }
            Path config = directory.resolve("cassandra.yaml");
            Files.writeString(config, configuration(directory, ports[0], ports[1]), StandardCharsets.UTF_8);
            Path logback = directory.resolve("logback.xml");
            Files.writeString(logback, logbackConfiguration(directory.resolve("logs")), StandardCharsets.UTF_8);

            List<String> command = new ArrayList<>(List.of(
                    java.toString(),
                    "-Xms" + initialHeap(heapSize),
                    "-Xmx" + heapSize,
                    "-Xss256k",
                    "-XX:+UseG1GC",
                    "-XX:+ParallelRefProcEnabled",
                    "-XX:MaxTenuringThreshold=1",
                    "-XX:G1HeapRegionSize=16m",
                    "-XX:MaxGCPauseMillis=300",
                    "-XX:+UseThreadPriorities",
                    "-XX:+PerfDisableSharedMem",
                    // Cassandra's startup check asks for this: a node that carries on after an
                    // OutOfMemoryError may write corrupt data.
                    "-XX:+ExitOnOutOfMemoryError",
                    "-ea",
                    "-da:net.openhft...",
                    "-Djava.net.preferIPv4Stack=true",
                    "-Dio.netty.tryReflectionSetAccessible=true",
                    "-Dio.netty.allocator.useCacheForAllThreads=true",
                    "-Dio.netty.allocator.maxOrder=11",
                    "-Dchronicle.announcer.disable=true"));
            command.addAll(JVM17_MODULE_OPTIONS);
            command.addAll(List.of(
                    "-Dcassandra.config=" + config.toUri(),
                    "-Dcassandra.storagedir=" + directory,
                    "-Dcassandra.triggers_dir=" + directory.resolve("triggers"),
                    "-Dcassandra.logdir=" + directory.resolve("logs"),
                    "-Dlogback.configurationFile=" + logback,
                    "-Dcassandra-foreground=yes",
                    // One node that joins nobody: skip the waits a cluster member needs.
                    "-Dcassandra.ring_delay_ms=100",
                    "-Dcassandra.skip_wait_for_gossip_to_settle=0",
                    "-Dcassandra.superuser_setup_delay_ms=0",
                    "-Dcassandra.auto_bootstrap=false",
                    "-Dcassandra.shutdown_announce_in_ms=0",
                    "-cp",
                    classpath,
                    MAIN_CLASS));
            // Standard input stays a pipe that only this process holds (see CassandraProcess).
            Process process = new ProcessBuilder(command)
                    .directory(directory.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(
                            directory.resolve("logs").resolve(OUTPUT_LOG).toFile()))
                    .start();
            Files.writeString(directory.resolve(PID_FILE), Long.toString(process.pid()));
            EmbeddedCassandra node = new EmbeddedCassandra(process, ports[0], directory, lockChannel, lock);
            long startedAt = System.nanoTime();
            try {
                node.awaitCql();
            } catch (IOException | RuntimeException failure) {
                node.close();
                throw failure;
            }
            log.info(
                    "Cassandra is up on 127.0.0.1:{} (pid {}) after {} ms with its data in {}",
                    ports[0],
                    process.pid(),
                    Duration.ofNanos(System.nanoTime() - startedAt).toMillis(),
                    directory);
            return node;
        } catch (IOException | RuntimeException failure) {
            if (lock.isValid()) {
                lock.release();
            }
            lockChannel.close();
            throw failure;
        }
    }

    /**
     * The heap the node starts with (-Xms): {@value #INITIAL_HEAP}, or {@code heapSize} if that is
     * smaller. Cassandra's own scripts set -Xms to -Xmx so a production heap never pauses to grow; a
     * node on a developer's machine idles at half its footprint instead (RSS ~0.7 GB, not ~1.2 GB
     * with 768m fixed), and the heap grows when the feed needs it.
     */
    static String initialHeap(String heapSize) {
        Matcher size = Pattern.compile("(\\d+)([kKmMgG]?)").matcher(heapSize.strip());
        if (!size.matches()) {
            throw new IllegalArgumentException(
                    "wallet.cassandra.heap-size (WALLET_CASSANDRA_HEAP) must be like 768m or 2g, not " + heapSize);
        }
        long bytes = Long.parseLong(size.group(1))
                << switch (size.group(2).toLowerCase(Locale.ROOT)) {
                    case "k" -> 10;
                    case "m" -> 20;
                    case "g" -> 30;
                    default -> 0;
                };
        return bytes < INITIAL_HEAP_BYTES ? heapSize.strip() : INITIAL_HEAP;
    }

    /** The CQL address, {@code 127.0.0.1:port}, as a contact point. */
    public String contactPoint() {
        return "127.0.0.1:" + port;
    }

    public InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", port);
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

    public Path directory() {
        return directory;
    }

    /** Closes this side of the node's stdin pipe, as the kernel does when the wallet dies; for tests. */
    void closeParentPipe() throws IOException {
        process.getOutputStream().close();
    }

    /**
     * Stops the node: closes its stdin and sends SIGTERM (either makes it drain and exit), waits, and
     * kills it after {@link #STOP_WAIT}. Then releases the directory.
     */
    @Override
    public void close() throws IOException {
        try {
            try {
                process.getOutputStream().close();
            } catch (IOException alreadyClosed) {
                // The pipe is gone already; the SIGTERM below does the same.
            }
            process.destroy();
            if (!process.waitFor(STOP_WAIT.toSeconds(), TimeUnit.SECONDS)) {
                log.warn("Cassandra (pid {}) did not stop within {}; killing it", process.pid(), STOP_WAIT);
                process.destroyForcibly().waitFor(STOP_WAIT.toSeconds(), TimeUnit.SECONDS);
            }
            Files.deleteIfExists(directory.resolve(PID_FILE));
            log.info("Cassandra (pid {}) stopped", process.pid());
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        } finally {
            if (lock.isValid()) {
                lock.release();
            }
            lockChannel.close();
        }
    }

    private void awaitCql() throws IOException {
        long deadline = System.nanoTime() + STARTUP_WAIT.toNanos();
        while (!accepts(port)) {
            if (!process.isAlive()) {
                throw new IOException("Cassandra exited with " + process.exitValue() + " while starting; " + logTail());
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("Cassandra did not accept CQL connections on 127.0.0.1:" + port + " within "
                        + STARTUP_WAIT + "; " + logTail());
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                throw new IOException("Interrupted while waiting for Cassandra", interrupted);
            }
        }
    }

    /** The last lines the node printed (warnings, errors, JVM failures), and where its full log is. */
    private String logTail() {
        Path logs = directory.resolve("logs");
        String tail;
        try (Stream<String> lines = Files.lines(logs.resolve(OUTPUT_LOG), StandardCharsets.UTF_8)) {
            List<String> all = lines.toList();
            tail = String.join("\n", all.subList(Math.max(0, all.size() - LOG_TAIL_LINES), all.size()));
        } catch (IOException | UncheckedIOException unreadable) {
            tail = "(no output: " + unreadable.getMessage() + ")";
        }
        return "full log in " + logs.resolve("system.log") + "; its last output:\n" + tail;
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException notListening) {
            return false;
        }
    }

    /**
     * The java binary of a JDK 17: {@code javaHome} when given (it must be 17), else the first JDK 17
     * in {@code jvmDirectory}. Package-private for tests.
     */
    static Path java(Path javaHome, Path jvmDirectory) throws IOException {
        if (javaHome != null) {
            Path java = javaHome.resolve("bin").resolve("java");
            int major = Files.isExecutable(java) ? majorVersion(javaHome) : 0;
            if (major != JAVA_MAJOR) {
                throw new IOException("wallet.cassandra.java-home (WALLET_CASSANDRA_JAVA_HOME) is " + javaHome
                        + ", which is " + (major == 0 ? "no JDK" : "Java " + major)
                        + "; the embedded Cassandra 5.0 needs a JDK " + JAVA_MAJOR);
            }
            return java;
        }
        List<Path> candidates = new ArrayList<>();
        if (Files.isDirectory(jvmDirectory)) {
            try (Stream<Path> entries = Files.list(jvmDirectory)) {
                entries.sorted(Comparator.comparing(Path::toString)).forEach(candidates::add);
            }
        }
        for (Path candidate : candidates) {
            if (Files.isExecutable(candidate.resolve("bin").resolve("java")) && majorVersion(candidate) == JAVA_MAJOR) {
                return candidate.resolve("bin").resolve("java");
            }
        }
        throw new IOException(
                "The embedded Cassandra 5.0 of the feed needs a JDK " + JAVA_MAJOR + " and there is none in "
                        + jvmDirectory
                        + "; install one (e.g. apt-get install openjdk-17-jdk-headless) or set WALLET_CASSANDRA_JAVA_HOME to it,"
                        + " or set WALLET_CASSANDRA_CONTACT_POINTS to use an external Cassandra cluster");
    }

    /** The major version from the JDK's {@code release} file, or from {@code java -version} without one. */
    static int majorVersion(Path javaHome) throws IOException {
        Path release = javaHome.resolve("release");
        String version = null;
        if (Files.isRegularFile(release)) {
            Properties properties = new Properties();
            try (Reader reader = Files.newBufferedReader(release, StandardCharsets.UTF_8)) {
                properties.load(reader);
            }
            version = properties.getProperty("JAVA_VERSION");
        }
        if (version == null) {
            version = versionFromJava(javaHome.resolve("bin").resolve("java"));
        }
        return majorOf(version);
    }

    /** {@code "17.0.15"} or {@code 17.0.15} -> 17; {@code 1.8.0_392} -> 8; anything else -> 0. */
    static int majorOf(String version) {
        if (version == null) {
            return 0;
        }
        String text = version.strip().replace("\"", "");
        if (text.startsWith("1.")) {
            text = text.substring(2);
        }
        int end = 0;
        while (end < text.length() && Character.isDigit(text.charAt(end))) {
            end++;
        }
        return end == 0 ? 0 : Integer.parseInt(text.substring(0, end));
    }

    private static String versionFromJava(Path java) throws IOException {
        Process process = new ProcessBuilder(java.toString(), "-version")
                .redirectErrorStream(true)
                .start();
        try (InputStream output = process.getInputStream()) {
            String text = new String(output.readNBytes(4096), StandardCharsets.UTF_8);
            process.waitFor(30, TimeUnit.SECONDS);
            int quote = text.indexOf('"');
            return quote < 0 ? null : text.substring(quote + 1, Math.max(quote + 1, text.indexOf('"', quote + 1)));
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while running " + java + " -version", interrupted);
        } finally {
            process.destroyForcibly();
        }
    }

    /** The node's classpath, as the build wrote it; every entry must still be there. */
    static String runtimeClasspath() throws IOException {
        String classpath;
        try (InputStream resource = EmbeddedCassandra.class.getResourceAsStream(CLASSPATH_RESOURCE)) {
            if (resource == null) {
                throw new IOException(
                        "The resource " + CLASSPATH_RESOURCE
                                + " is missing: this wallet was built without its cassandra"
                                + " module; rebuild it with ./wallet build, or set WALLET_CASSANDRA_CONTACT_POINTS to use an external Cassandra cluster");
            }
            classpath = new String(resource.readAllBytes(), StandardCharsets.UTF_8).strip();
        }
        List<String> missing = Arrays.stream(classpath.split(File.pathSeparator))
                .filter(entry ->
                        !entry.isBlank() && entry.endsWith(".jar") && !entry.contains("wallet-cassandra-runtime"))
                .filter(entry -> !Files.isRegularFile(Path.of(entry)))
                .toList();
        if (!missing.isEmpty()) {
            throw new IOException(
                    "The embedded Cassandra's jars were built into the wallet by path and " + missing.size()
                            + " of them are gone (e.g. " + missing.get(0)
                            + "); rebuild the wallet with ./wallet build on this machine,"
                            + " or set WALLET_CASSANDRA_CONTACT_POINTS to use an external Cassandra cluster");
        }
        return classpath;
    }

    /**
     * A single-node configuration: everything not set here is Cassandra 5.0's default. Rewritten on
     * every start, so a new wallet version's settings apply to an existing node.
     */
    static String configuration(Path directory, int nativePort, int storagePort) {
        return """
                # Written by the wallet on every start (EmbeddedCassandra); edits here are lost.
                cluster_name: wallet
                num_tokens: 16
                partitioner: org.apache.cassandra.dht.Murmur3Partitioner
                endpoint_snitch: SimpleSnitch
                data_file_directories:
                  - %1$s/data
                commitlog_directory: %1$s/commitlog
                hints_directory: %1$s/hints
                saved_caches_directory: %1$s/saved_caches
                cdc_raw_directory: %1$s/cdc_raw
                commitlog_sync: batch
                seed_provider:
                  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
                    parameters:
                      - seeds: "127.0.0.1:%3$d"
                listen_address: 127.0.0.1
                rpc_address: 127.0.0.1
                storage_port: %3$d
                native_transport_port: %2$d
                start_native_transport: true
                authenticator: AllowAllAuthenticator
                authorizer: AllowAllAuthorizer
                concurrent_compactors: 1
                """.formatted(directory, nativePort, storagePort);
    }

    /** Everything to a rolling {@code system.log} in {@code logs}; warnings and errors also to standard output ({@value #OUTPUT_LOG}). */
    static String logbackConfiguration(Path logs) {
        return """
                <configuration scan="false">
                  <appender name="FILE" class="ch.qos.logback.core.rolling.RollingFileAppender">
                    <file>%1$s/system.log</file>
                    <rollingPolicy class="ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy">
                      <fileNamePattern>%1$s/system.log.%%d{yyyy-MM-dd}.%%i.zip</fileNamePattern>
                      <maxFileSize>50MB</maxFileSize>
                      <maxHistory>7</maxHistory>
                      <totalSizeCap>500MB</totalSizeCap>
                    </rollingPolicy>
                    <encoder>
                      <pattern>%%-5level [%%thread] %%date{ISO8601} %%F:%%L - %%msg%%n</pattern>
                    </encoder>
                  </appender>
                  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
                    <filter class="ch.qos.logback.classic.filter.ThresholdFilter">
                      <level>WARN</level>
                    </filter>
                    <encoder>
                      <pattern>%%-5level [%%thread] %%date{ISO8601} %%F:%%L - %%msg%%n</pattern>
                    </encoder>
                  </appender>
                  <root level="INFO">
                    <appender-ref ref="FILE"/>
                    <appender-ref ref="STDOUT"/>
                  </root>
                </configuration>
                """.formatted(logs);
    }

    /**
     * A node left by an earlier wallet is normally gone within seconds of that wallet's death (its
     * stdin closed). If one still runs (say, still draining), it is asked to stop, found by the PID
     * that wallet wrote, and only if its command line is a wallet's Cassandra node.
     */
    private static void stopStaleNode(Path directory) throws IOException {
        Path pidFile = directory.resolve(PID_FILE);
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
                        .commandLine()
                        .map(commandLine ->
                                commandLine.contains(MAIN_CLASS) && commandLine.contains(directory.toString()))
                        .orElse(false));
        if (stale.isEmpty()) {
            return;
        }
        log.warn("Stopping a Cassandra node (pid {}) left running on {} by an earlier wallet process", text, directory);
        stale.get().destroy();
        try {
            try {
                stale.get().onExit().get(STALE_NODE_STOP_WAIT.toSeconds(), TimeUnit.SECONDS);
            } catch (TimeoutException slow) {
                stale.get().destroyForcibly();
                stale.get().onExit().get(STOP_WAIT.toSeconds(), TimeUnit.SECONDS);
            }
        } catch (Exception exception) {
            throw new IOException(
                    "Cassandra pid " + text + " on " + directory + " did not stop; stop it and retry", exception);
        }
    }

    /** The CQL and storage ports: chosen once, then read back on every start. */
    private static int[] ports(Path file) throws IOException {
        Properties ports = new Properties();
        if (Files.exists(file)) {
            try (Reader reader = Files.newBufferedReader(file)) {
                ports.load(reader);
            }
            return new int[] {
                Integer.parseInt(ports.getProperty("native")), Integer.parseInt(ports.getProperty("storage"))
            };
        }
        int nativePort = EmbeddedRedis.freePort();
        int storagePort = EmbeddedRedis.freePort();
        while (storagePort == nativePort) {
            storagePort = EmbeddedRedis.freePort();
        }
        ports.setProperty("native", Integer.toString(nativePort));
        ports.setProperty("storage", Integer.toString(storagePort));
        try (Writer writer = Files.newBufferedWriter(file)) {
            ports.store(writer, "Ports of the embedded Cassandra node (CQL, internode), kept across restarts");
        }
        return new int[] {nativePort, storagePort};
    }

    private static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock();
        } catch (OverlappingFileLockException heldByThisProcess) {
            return null;
        }
    }
}
