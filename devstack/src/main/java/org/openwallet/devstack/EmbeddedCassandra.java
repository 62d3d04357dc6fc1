package org.openwallet.devstack;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
    private static final String OR_EXTERNAL =
            ", or set WALLET_CASSANDRA_CONTACT_POINTS to use an external Cassandra cluster";
    private static final Duration STARTUP_WAIT = Duration.ofSeconds(120);
    /** A drain flushes every memtable; on a busy node that takes a while. */
    private static final Duration STOP_WAIT = Duration.ofSeconds(60);

    private static final Duration STALE_NODE_STOP_WAIT = Duration.ofSeconds(60);
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

    private final ChildServer child;
    private final Process process;
    private final int port;

    private EmbeddedCassandra(ChildServer child, Process process, int port) {
        this.child = child;
        this.process = process;
        this.port = port;
    }

    /**
     * Starts (initialising on first use) the node whose files live in {@code directory}, on the JDK 17
     * in {@code javaHome}, or with none given, the first JDK 17 under {@code /usr/lib/jvm}. Returns
     * once the node accepts CQL connections.
     *
     * @param heapSize the largest JVM heap, e.g. {@code 768m} (-Xmx); see {@link #initialHeap}
     */
    public static EmbeddedCassandra start(Path directory, Path javaHome, String heapSize) throws IOException {
        Path java = java(javaHome, Jdks.JVM_DIRECTORY);
        String classpath =
                ChildServer.runtimeClasspath(CLASSPATH_RESOURCE, "cassandra", "wallet-cassandra-runtime", OR_EXTERNAL);
        ChildServer child = ChildServer.claim("Cassandra", directory, LOCK_FILE);
        try {
            directory = child.directory();
            String home = directory.toString();
            // Normally gone within seconds of its wallet's death (its stdin closed); one still draining is asked to
            // stop.
            child.stopOrphan(
                    directory.resolve(PID_FILE),
                    process -> process.commandLine()
                            .map(commandLine -> commandLine.contains(MAIN_CLASS) && commandLine.contains(home))
                            .orElse(false),
                    STALE_NODE_STOP_WAIT,
                    true);
            int[] ports = ChildServer.keptPorts(
                    directory.resolve("ports.properties"),
                    "Ports of the embedded Cassandra node (CQL, internode), kept across restarts",
                    "native",
                    "storage");
            for (int port : ports) {
                if (ChildServer.accepts(port)) {
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
            long startedAt = System.nanoTime();
            Process process = child.launch(
                    command,
                    directory.resolve("logs").resolve(OUTPUT_LOG),
                    directory.resolve(PID_FILE),
                    STARTUP_WAIT,
                    STOP_WAIT,
                    () -> ChildServer.accepts(ports[0]));
            log.info(
                    "Cassandra is up on 127.0.0.1:{} (pid {}) after {} ms with its data in {}",
                    ports[0],
                    process.pid(),
                    Duration.ofNanos(System.nanoTime() - startedAt).toMillis(),
                    directory);
            return new EmbeddedCassandra(child, process, ports[0]);
        } catch (IOException | RuntimeException failure) {
            child.close();
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
        return child.directory();
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
            ChildServer.stop(process, STOP_WAIT);
            Files.deleteIfExists(child.directory().resolve(PID_FILE));
            log.info("Cassandra (pid {}) stopped", process.pid());
        } finally {
            child.close();
        }
    }

    /**
     * The java binary of a JDK 17: {@code javaHome} when given (it must be 17), else the first JDK 17
     * in {@code jvmDirectory} (the rule of {@link Jdks}). Package-private for tests.
     */
    static Path java(Path javaHome, Path jvmDirectory) throws IOException {
        return Jdks.java(
                javaHome,
                jvmDirectory,
                JAVA_MAJOR,
                "wallet.cassandra.java-home (WALLET_CASSANDRA_JAVA_HOME)",
                "the embedded Cassandra 5.0 of the feed",
                "install one (e.g. apt-get install openjdk-17-jdk-headless) or set"
                        + " WALLET_CASSANDRA_JAVA_HOME to it" + OR_EXTERNAL);
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
}
