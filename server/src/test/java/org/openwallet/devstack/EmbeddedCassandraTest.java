package org.openwallet.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.openwallet.TestCassandra;

/** The embedded Cassandra node of {@code ./wallet run}: a real node on loopback, persistent, tied to its wallet's life. */
// Runs beside the Spring classes (junit-platform.properties): it starts servers of its own and mostly waits on them.
@Execution(ExecutionMode.CONCURRENT)
// With the other classes that start Cassandra nodes or load the shared one, one at a time: on two cores, two at once
// time out.
@ResourceLock("cassandra-nodes")
class EmbeddedCassandraTest {
    private static final String HEAP_SIZE = "512m";
    private static final Duration EXIT_WAIT = Duration.ofSeconds(60);

    @TempDir
    Path directory;

    /**
     * One node's life, in one test because each start takes seconds: it serves CQL on loopback only,
     * refuses a second wallet on its directory, stops by its pid, and comes back on the same port with
     * its data. Then its wallet dies: a wallet killed by SIGKILL runs no shutdown hook, but the kernel
     * closes its end of the node's stdin pipe. Closing that end here does the same, and nothing else
     * (no SIGTERM reaches the node), and the node drains and exits by itself.
     */
    @Test
    void node_servesCqlOnLoopbackOnly_refusesASecondWallet_stopsByPid_keepsItsData_andExitsWhenItsWalletIsGone()
            throws Exception {
        long firstPid;
        int firstPort;
        try (EmbeddedCassandra node = EmbeddedCassandra.start(directory, TestCassandra.javaHome(), HEAP_SIZE)) {
            firstPid = node.pid();
            firstPort = node.port();
            assertThat(node.contactPoint()).isEqualTo("127.0.0.1:" + firstPort);
            assertThat(ProcessHandle.of(firstPid)
                            .flatMap(process -> process.info().command())
                            .orElseThrow())
                    .as("runs on a JDK 17")
                    .contains("17");
            assertThat(reachableOnOtherAddresses(firstPort))
                    .as("addresses other than 127.0.0.1 serving CQL")
                    .isEmpty();
            try (CqlSession session = session(node)) {
                session.execute(
                        "CREATE KEYSPACE kept WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
                session.execute("CREATE TABLE kept.notes (id int PRIMARY KEY, value text)");
                session.execute("INSERT INTO kept.notes (id, value) VALUES (1, 'written before the restart')");
            }

            assertThatThrownBy(() -> EmbeddedCassandra.start(directory, TestCassandra.javaHome(), HEAP_SIZE))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("in use by a running wallet");
            assertThat(node.isAlive())
                    .as("the running node survives the refused start")
                    .isTrue();
        }
        assertThat(ProcessHandle.of(firstPid).map(ProcessHandle::isAlive).orElse(false))
                .as("stopped by its pid")
                .isFalse();
        assertThat(directory.resolve("cassandra.pid")).doesNotExist();

        try (EmbeddedCassandra node = EmbeddedCassandra.start(directory, TestCassandra.javaHome(), HEAP_SIZE)) {
            assertThat(node.port()).as("the port kept in ports.properties").isEqualTo(firstPort);
            try (CqlSession session = session(node)) {
                assertThat(session.execute("SELECT value FROM kept.notes WHERE id = 1")
                                .one()
                                .getString("value"))
                        .isEqualTo("written before the restart");
            }
            ProcessHandle process = ProcessHandle.of(node.pid()).orElseThrow();

            node.closeParentPipe();

            assertThat(process.onExit()
                            .get(EXIT_WAIT.toSeconds(), TimeUnit.SECONDS)
                            .isAlive())
                    .isFalse();
            assertThat(Files.readString(directory.resolve("logs").resolve("output.log")))
                    .contains("its stdin pipe closed");
            try (Stream<String> lines = Files.lines(directory.resolve("logs").resolve("system.log"))) {
                assertThat(lines.filter(line -> line.contains("Cassandra shutdown complete"))
                                .count())
                        .as("both stops ran Cassandra's shutdown hook, which drains the node")
                        .isEqualTo(2);
            }
        }
    }

    /**
     * What the feed consumer relies on before it commits an offset: a write the node acknowledged is
     * still there after the node is killed (SIGKILL) and restarted. The node is killed right after the
     * last of a run of acknowledged writes. With Cassandra's default commit log (periodic: replay
     * markers every 100 ms) the writes of the last up to 100 ms were gone after the restart.
     */
    @Test
    void acknowledgedWrites_surviveTheNodeBeingKilledRightAfter() throws Exception {
        int written = 0;
        try (EmbeddedCassandra node = EmbeddedCassandra.start(directory, TestCassandra.javaHome(), HEAP_SIZE)) {
            try (CqlSession session = session(node)) {
                session.execute(
                        "CREATE KEYSPACE kept WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
                session.execute("CREATE TABLE kept.writes (id int PRIMARY KEY)");
                var insert = session.prepare("INSERT INTO kept.writes (id) VALUES (?)");
                // Long enough that the run spans several 100 ms marker periods, so the kill falls inside one.
                long until = System.nanoTime() + Duration.ofMillis(500).toNanos();
                while (System.nanoTime() < until || written < 50) {
                    session.execute(insert.bind(written));
                    written++;
                }
                ProcessHandle.of(node.pid()).orElseThrow().destroyForcibly();
                assertThat(ProcessHandle.of(node.pid())
                                .orElseThrow()
                                .onExit()
                                .get(EXIT_WAIT.toSeconds(), TimeUnit.SECONDS)
                                .isAlive())
                        .isFalse();
            }
        }
        try (EmbeddedCassandra node = EmbeddedCassandra.start(directory, TestCassandra.javaHome(), HEAP_SIZE);
                CqlSession session = session(node)) {
            long kept =
                    session.execute("SELECT count(*) FROM kept.writes").one().getLong(0);
            assertThat(kept)
                    .as("acknowledged writes after the kill, of " + written)
                    .isEqualTo(written);
        }
    }

    @Test
    void start_whenTheNodeExitsWhileStarting_reportsItsOutput_andReleasesTheDirectory() throws Exception {
        assertThatThrownBy(() -> EmbeddedCassandra.start(directory, TestCassandra.javaHome(), "1m"))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("Cassandra exited with")
                .hasMessageContaining("heap");
        try (FileChannel channel = FileChannel.open(directory.resolve("cassandra.lock"), StandardOpenOption.WRITE)) {
            assertThat(channel.tryLock()).as("the directory's lock").isNotNull();
        }
    }

    @Test
    void java_withNoJdk17Installed_saysWhatToDo(@TempDir Path emptyJvmDirectory) {
        assertThatThrownBy(() -> EmbeddedCassandra.java(null, emptyJvmDirectory))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("needs a JDK 17")
                .hasMessageContaining("openjdk-17")
                .hasMessageContaining("WALLET_CASSANDRA_CONTACT_POINTS");
    }

    @Test
    void java_configuredToAnotherVersion_isRefused() {
        Path thisJdk = Path.of(System.getProperty("java.home"));
        int thisMajor = Runtime.version().feature();

        assertThatThrownBy(() -> EmbeddedCassandra.java(thisJdk, Jdks.JVM_DIRECTORY))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("Java " + thisMajor)
                .hasMessageContaining("needs a JDK 17");
    }

    @Test
    void initialHeap_is256m_orTheWholeHeapWhenThatIsSmaller() {
        assertThat(EmbeddedCassandra.initialHeap("768m")).isEqualTo("256m");
        assertThat(EmbeddedCassandra.initialHeap("2G")).isEqualTo("256m");
        assertThat(EmbeddedCassandra.initialHeap("200m")).isEqualTo("200m");
        assertThat(EmbeddedCassandra.initialHeap("131072k")).isEqualTo("131072k");
        assertThatThrownBy(() -> EmbeddedCassandra.initialHeap("lots")).hasMessageContaining("WALLET_CASSANDRA_HEAP");
    }

    @Test
    void majorOf_readsEveryVersionFormat() {
        assertThat(Jdks.majorOf("\"17.0.15\"")).isEqualTo(17);
        assertThat(Jdks.majorOf("17")).isEqualTo(17);
        assertThat(Jdks.majorOf("25.0.1")).isEqualTo(25);
        assertThat(Jdks.majorOf("1.8.0_392")).isEqualTo(8);
        assertThat(Jdks.majorOf("")).isZero();
        assertThat(Jdks.majorOf(null)).isZero();
    }

    /**
     * A session on the node. Requests may take 30 s, not the driver's 2 s: the test creates keyspaces
     * and tables on a node that just started, which on a loaded machine takes longer than that; what
     * it checks is what the node keeps, not how fast it answers.
     */
    private static CqlSession session(EmbeddedCassandra node) {
        return CqlSession.builder()
                .addContactPoint(node.address())
                .withLocalDatacenter("datacenter1")
                .withConfigLoader(DriverConfigLoader.programmaticBuilder()
                        .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(30))
                        .build())
                .build();
    }

    /** This machine's other IPv4 addresses on which something accepts connections on {@code port}. */
    private static List<InetAddress> reachableOnOtherAddresses(int port) throws IOException {
        return NetworkInterface.networkInterfaces()
                .filter(networkInterface -> {
                    try {
                        return networkInterface.isUp() && !networkInterface.isLoopback();
                    } catch (IOException unknown) {
                        return false;
                    }
                })
                .flatMap(NetworkInterface::inetAddresses)
                .filter(address -> address instanceof Inet4Address)
                .filter(address -> {
                    try (Socket socket = new Socket()) {
                        socket.connect(new InetSocketAddress(address, port), 500);
                        return true;
                    } catch (IOException refused) {
                        return false;
                    }
                })
                .toList();
    }
}
