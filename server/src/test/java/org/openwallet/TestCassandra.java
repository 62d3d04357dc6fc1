package org.openwallet;

import java.io.IOException;
import java.nio.file.Path;
import org.openwallet.platform.EmbeddedCassandra;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * The one Cassandra node of a test JVM. A node takes seconds to start and most of a gigabyte of
 * memory, so every Spring context of the suite (the shared one and every wallet of its own) uses this
 * node as an external cluster, instead of starting one each. It is started on first use, in a fresh
 * directory under {@code target/test-data}, and stopped when the JVM exits (and, were that hook never
 * to run, it exits by itself once this JVM is gone: its stdin pipe closes).
 *
 * <p>All contexts share the keyspace {@value #KEYSPACE}: its schema runner must cope with being run by
 * each of them in turn. Tests isolate their data by fresh ids, never by truncating.
 */
public final class TestCassandra {
    public static final String KEYSPACE = "wallet";
    /** What the shipped default (NetworkTopologyStrategy, 3 replicas) would be on a cluster of one node. */
    public static final String REPLICATION = "{'class': 'SimpleStrategy', 'replication_factor': 1}";

    private static final String HEAP_SIZE = "768m";

    private static EmbeddedCassandra node;

    private TestCassandra() {}

    /** The node, started on the first call. */
    public static synchronized EmbeddedCassandra node() {
        if (node == null) {
            Path directory = WalletIntegrationTest.newDataDir("cassandra-").resolve("cassandra");
            try {
                node = EmbeddedCassandra.start(directory, javaHome(), HEAP_SIZE);
            } catch (IOException failure) {
                throw new IllegalStateException("Cannot start the tests' Cassandra node in " + directory, failure);
            }
            EmbeddedCassandra started = node;
            Runtime.getRuntime()
                    .addShutdownHook(new Thread(
                            () -> {
                                try {
                                    started.close();
                                } catch (IOException ignored) {
                                    // The JVM is exiting; the node exits by itself when its stdin closes.
                                }
                            },
                            "test-cassandra-stop"));
        }
        return node;
    }

    /** The JDK 17 that {@code ./wallet test} found or was given, else null: the node looks under /usr/lib/jvm. */
    public static Path javaHome() {
        String configured = System.getenv("WALLET_CASSANDRA_JAVA_HOME");
        return configured == null || configured.isBlank() ? null : Path.of(configured);
    }

    public static String contactPoints() {
        return node().contactPoint();
    }

    /** Points a wallet at this node as its external cluster (the node starts when the context asks for it). */
    public static void register(DynamicPropertyRegistry registry) {
        registry.add("wallet.cassandra.contact-points", TestCassandra::contactPoints);
        registry.add("wallet.cassandra.local-datacenter", () -> "datacenter1");
        registry.add("wallet.cassandra.keyspace", () -> KEYSPACE);
        registry.add("wallet.cassandra.replication", () -> REPLICATION);
        // The suite runs many contexts on two loaded cores; the shipped 2 s is for production hardware.
        registry.add("wallet.cassandra.request-timeout", () -> "10s");
    }
}
