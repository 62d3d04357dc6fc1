package org.openwallet.platform.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openwallet.Api;
import org.openwallet.LedgerTestSupport;
import org.openwallet.WalletIntegrationTest;
import org.openwallet.ledger.Ledger;
import org.openwallet.platform.EmbeddedRedis;
import org.openwallet.platform.config.WalletProperties;
import org.openwallet.platform.database.Transactions;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The wallet against a real three-master Redis Cluster ({@code wallet.redis.cluster-nodes}): the
 * Lua scripts run (each touches keys of one hash slot only), one user's keys live together on the
 * node that owns the slot of their {@code {user id}} hash tag, and duplicates are answered by the
 * cluster.
 *
 * <p>The cluster is built from three {@link EmbeddedRedis} servers before the application context
 * starts (the property supplier starts it), and stopped after the class. Like the other classes
 * with a context of their own, this one has its own data directory (see {@code RedisFailureTest}).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
class RedisClusterTest {
    private static final String TRANSFERS = "/v1/transfers";
    private static final String REPLAYED = "Idempotent-Replayed";
    private static final int SLOTS = 16384;
    private static final Duration CLUSTER_READY_WAIT = Duration.ofSeconds(30);
    private static final Path DATA_DIR = createDir("wallet-redis-cluster-");

    private static Cluster cluster;

    /** Three masters on 127.0.0.1, each owning a third of the slots. */
    record Cluster(List<EmbeddedRedis> nodes, List<int[]> slotRanges) {
        String seeds() {
            // The password travels in each seed (the nodes share one): the wallet's cluster client authenticates with
            // it everywhere.
            return String.join(",", nodes.stream().map(EmbeddedRedis::uri).toList());
        }

        EmbeddedRedis ownerOf(int slot) {
            for (int i = 0; i < nodes.size(); i++) {
                if (slot >= slotRanges.get(i)[0] && slot <= slotRanges.get(i)[1]) {
                    return nodes.get(i);
                }
            }
            throw new IllegalArgumentException("slot " + slot);
        }
    }

    @DynamicPropertySource
    static void walletProperties(DynamicPropertyRegistry registry) {
        registry.add("wallet.redis.cluster-nodes", () -> cluster().seeds());
        WalletIntegrationTest.ownWallet(registry, DATA_DIR);
        WalletIntegrationTest.limitsOutOfReach(registry);
        // Except the per-user payment limit: a bucket that refills within a millisecond (as with a
        // capacity of 10^8) has expired before the test can look at it; this one stays for minutes.
        registry.add("wallet.rate-limits.limits.transfer-per-user.capacity", () -> "1000");
        registry.add("wallet.rate-limits.limits.transfer-per-user.period", () -> "24h");
    }

    @LocalServerPort
    int port;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    WalletProperties properties;

    @Autowired
    MeterRegistry meters;

    @Autowired
    Transactions transactions;

    @Autowired
    Ledger ledger;

    private Api api;

    @BeforeEach
    void connectApi() {
        api = new Api("http://127.0.0.1:" + port);
        assertThat(properties.redis().clusterNodes()).isEqualTo(cluster().seeds());
        assertThat(properties.dataDir().toAbsolutePath()).isEqualTo(DATA_DIR.toAbsolutePath());
    }

    /** Stops the nodes; the record stays, so a late read of the seeds property cannot start a second cluster. */
    @AfterAll
    static synchronized void stopCluster() throws IOException {
        if (cluster != null) {
            for (EmbeddedRedis node : cluster.nodes()) {
                node.close();
            }
        }
    }

    @Test
    void paymentsSucceed_andDuplicatesAreAnsweredByTheCluster() {
        double errorsBefore = counter("wallet.redis.errors", null);
        double hitsBefore = counter("wallet.idempotency.fast_path", "hit");
        double unavailableBefore = counter("wallet.idempotency.fast_path", "unavailable");
        Api.User alice = funded();
        Api.User bob = api.newUser();
        String key = "cluster-" + UUID.randomUUID();
        String body = body(bob, "12.50");

        Api.Response created = api.postRaw(TRANSFERS, alice.token(), key, body);
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.header(REPLAYED)).isNull();
        Api.Response replay = api.postRaw(TRANSFERS, alice.token(), key, body);
        assertThat(replay.status()).isEqualTo(201);
        assertThat(replay.header(REPLAYED)).isEqualTo("true");
        assertThat(replay.body()).isEqualTo(created.body());
        assertThat(counter("wallet.idempotency.fast_path", "hit"))
                .as("replays answered by Redis")
                .isEqualTo(hitsBefore + 1);

        RedisClusterClient client = clusterClient();
        try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
            String stored = connection.sync().get(idempotencyKey(alice, key));
            assertThat(stored).startsWith("D|").endsWith("|201|" + created.body());

            // A value only the test wrote, under a key PostgreSQL never saw: the answer must come from the cluster.
            String fingerprint = stored.split("\\|", 3)[1];
            String planted = "cluster-" + UUID.randomUUID();
            connection
                    .sync()
                    .set(
                            idempotencyKey(alice, planted),
                            "D|" + fingerprint + "|201|{\"x\":1}",
                            SetArgs.Builder.px(60_000));
            Api.Response fromCluster = api.postRaw(TRANSFERS, alice.token(), planted, body);
            assertThat(fromCluster.status()).isEqualTo(201);
            assertThat(fromCluster.header(REPLAYED)).isEqualTo("true");
            assertThat(fromCluster.body()).isEqualTo("{\"x\":1}");
        } finally {
            client.shutdown();
        }
        assertThat(api.available(alice)).isEqualTo("87.50");
        assertThat(api.available(bob)).isEqualTo("12.50");
        assertThat(jdbc.sql("SELECT count(*) FROM ledger_transfers WHERE kind = 'p2p' AND from_account_id = ?")
                        .param(ledger.walletOf(alice.id(), "USD").orElseThrow())
                        .query(Long.class)
                        .single())
                .isEqualTo(1);
        // No call failed: no CROSSSLOT, no MOVED left unfollowed, no timeout.
        assertThat(counter("wallet.redis.errors", null)).isEqualTo(errorsBefore);
        assertThat(counter("wallet.idempotency.fast_path", "unavailable")).isEqualTo(unavailableBefore);
    }

    @Test
    void eachUsersKeysLiveTogetherOnTheNodeOwningTheirHashTagSlot_acrossAllThreeNodes() {
        double errorsBefore = counter("wallet.redis.errors", null);
        double unavailableBefore = counter("wallet.idempotency.fast_path", "unavailable");
        Api.User payee = api.newUser();
        // Senders until every node owns at least one of them (a third of the slots each: a few suffice).
        Map<Integer, List<Api.User>> sendersByNode = new HashMap<>();
        for (int i = 0; i < 60 && sendersByNode.size() < 3; i++) {
            Api.User sender = funded();
            int slot = SlotHash.getSlot("{" + sender.id() + "}");
            sendersByNode
                    .computeIfAbsent(cluster().ownerOf(slot).port(), p -> new ArrayList<>())
                    .add(sender);
        }
        assertThat(sendersByNode).as("nodes owning some sender's slot").hasSize(3);

        Map<Integer, RedisClient> clients = new HashMap<>();
        try {
            Map<Integer, RedisCommands<String, String>> nodes = new HashMap<>();
            for (EmbeddedRedis node : cluster().nodes()) {
                RedisClient client = RedisClient.create(node.uri());
                clients.put(node.port(), client);
                StatefulRedisConnection<String, String> connection = client.connect();
                nodes.put(node.port(), connection.sync());
            }
            Set<Integer> nodesUsed = new HashSet<>();
            for (List<Api.User> senders : sendersByNode.values()) {
                for (Api.User sender : senders) {
                    String key = "cluster-" + UUID.randomUUID();
                    Api.Response created = api.postRaw(TRANSFERS, sender.token(), key, body(payee, "1.00"));
                    assertThat(created.status()).as(created.body()).isEqualTo(201);

                    List<String> keys = List.of(
                            idempotencyKey(sender, key),
                            "rl:{" + sender.id() + "}:transfer-per-user",
                            "velocity:{" + sender.id() + "}:USD");
                    int slot = SlotHash.getSlot(keys.get(0));
                    EmbeddedRedis owner = cluster().ownerOf(slot);
                    nodesUsed.add(owner.port());
                    for (String redisKey : keys) {
                        assertThat(SlotHash.getSlot(redisKey))
                                .as("slot of %s", redisKey)
                                .isEqualTo(slot);
                        // The server's own hashing agrees.
                        assertThat(nodes.get(owner.port()).clusterKeyslot(redisKey))
                                .isEqualTo(slot);
                        assertThat(nodes.get(owner.port()).exists(redisKey))
                                .as("%s on its slot's owner", redisKey)
                                .isEqualTo(1L);
                    }
                    for (EmbeddedRedis node : cluster().nodes()) {
                        // Keys of the slot held by each node: all of them on the owner, none elsewhere.
                        long here = nodes.get(node.port()).clusterCountKeysInSlot(slot);
                        if (node == owner) {
                            assertThat(here)
                                    .as("keys in slot %d on its owner", slot)
                                    .isGreaterThanOrEqualTo(keys.size());
                        } else {
                            assertThat(here)
                                    .as("keys in slot %d on node %d", slot, node.port())
                                    .isZero();
                            assertThatThrownBy(() -> nodes.get(node.port()).get(keys.get(0)))
                                    .hasMessageContaining("MOVED " + slot + " 127.0.0.1:" + owner.port());
                        }
                    }
                    RedisCommands<String, String> ownerCommands = nodes.get(owner.port());
                    assertThat(ownerCommands.get(keys.get(0))).startsWith("D|").endsWith("|201|" + created.body());
                    // Written only by the Lua scripts: the token bucket (a hash) and the velocity window (a sorted
                    // set).
                    assertThat(ownerCommands.type(keys.get(1))).isEqualTo("hash");
                    assertThat(ownerCommands.hkeys(keys.get(1))).contains("tokens", "at");
                    assertThat(ownerCommands.type(keys.get(2))).isEqualTo("zset");
                    assertThat(ownerCommands.zcard(keys.get(2))).isGreaterThanOrEqualTo(1);
                }
            }
            assertThat(nodesUsed).hasSize(3);
        } finally {
            clients.values().forEach(RedisClient::shutdown);
        }
        assertThat(counter("wallet.redis.errors", null))
                .as("failed Redis calls")
                .isEqualTo(errorsBefore);
        assertThat(counter("wallet.idempotency.fast_path", "unavailable")).isEqualTo(unavailableBefore);
    }

    // ---------------------------------------------------------------------------------------

    private Api.User funded() {
        return LedgerTestSupport.fundedUser(api, transactions, ledger, 100_00);
    }

    private double counter(String name, String outcome) {
        var search = meters.find(name);
        if (outcome != null) {
            search = search.tag("outcome", outcome);
        }
        Counter counter = search.counter();
        return counter == null ? 0 : counter.count();
    }

    private static RedisClusterClient clusterClient() {
        return RedisClusterClient.create(cluster().nodes().stream()
                .map(node -> RedisURI.create(node.uri()))
                .toList());
    }

    private static String idempotencyKey(Api.User user, String key) {
        return "idem:{" + user.id() + "}:transfer.create:" + key;
    }

    private static String body(Api.User to, String amount) {
        return "{\"to_handle\":\"" + to.handle() + "\",\"amount\":\"" + amount + "\",\"currency\":\"USD\"}";
    }

    /** The cluster, started on first use. */
    static synchronized Cluster cluster() {
        if (cluster == null) {
            cluster = startCluster();
        }
        return cluster;
    }

    private static Cluster startCluster() {
        List<EmbeddedRedis> nodes = new ArrayList<>();
        List<RedisClient> clients = new ArrayList<>();
        try {
            Set<Integer> taken = new HashSet<>();
            Path firstNodeDirectory = null;
            for (int i = 0; i < 3; i++) {
                int nodePort = freeClusterPort(taken);
                taken.add(nodePort);
                Path nodeDirectory = createDir("redis-cluster-node-");
                if (!nodes.isEmpty()) {
                    // One password for the cluster, as an operator would configure it: the first node's, copied before
                    // the others start.
                    Files.copy(
                            EmbeddedRedis.passwordFile(firstNodeDirectory),
                            EmbeddedRedis.passwordFile(nodeDirectory),
                            StandardCopyOption.COPY_ATTRIBUTES);
                } else {
                    firstNodeDirectory = nodeDirectory;
                }
                nodes.add(EmbeddedRedis.start(
                        nodeDirectory,
                        nodePort,
                        "--cluster-enabled",
                        "yes",
                        "--cluster-config-file",
                        "nodes.conf",
                        "--cluster-node-timeout",
                        "2000"));
            }
            List<RedisCommands<String, String>> commands = new ArrayList<>();
            for (EmbeddedRedis node : nodes) {
                RedisClient client = RedisClient.create(node.uri());
                clients.add(client);
                commands.add(client.connect().sync());
            }
            for (int i = 1; i < nodes.size(); i++) {
                assertThat(commands.get(0).clusterMeet("127.0.0.1", nodes.get(i).port()))
                        .isEqualTo("OK");
            }
            List<int[]> ranges = new ArrayList<>();
            for (int i = 0; i < nodes.size(); i++) {
                int from = i * SLOTS / nodes.size();
                int to = (i + 1) * SLOTS / nodes.size() - 1;
                ranges.add(new int[] {from, to});
                assertThat(commands.get(i)
                                .clusterAddSlots(IntStream.rangeClosed(from, to).toArray()))
                        .isEqualTo("OK");
            }
            long deadline = System.nanoTime() + CLUSTER_READY_WAIT.toNanos();
            while (!commands.stream().allMatch(RedisClusterTest::ready)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the Redis Cluster was not ready within " + CLUSTER_READY_WAIT
                            + ": "
                            + commands.stream()
                                    .map(c -> c.clusterInfo()
                                            .lines()
                                            .filter(l -> l.startsWith("cluster_"))
                                            .toList())
                                    .toList());
                }
                Thread.sleep(50);
            }
            return new Cluster(List.copyOf(nodes), List.copyOf(ranges));
        } catch (Exception | AssertionError failure) {
            for (EmbeddedRedis node : nodes) {
                try {
                    node.close();
                } catch (IOException ignored) {
                    // Stopping what was started; the failure below says what went wrong.
                }
            }
            throw new IllegalStateException("could not start a Redis Cluster", failure);
        } finally {
            clients.forEach(RedisClient::shutdown);
        }
    }

    private static boolean ready(RedisCommands<String, String> node) {
        String info = node.clusterInfo();
        return info.contains("cluster_state:ok")
                && info.contains("cluster_known_nodes:3")
                && info.contains("cluster_slots_ok:" + SLOTS);
    }

    /**
     * A free port whose cluster bus port (the port + 10000, fixed in Redis 6) is free too, and so
     * at most 55535.
     */
    private static int freeClusterPort(Set<Integer> taken) throws IOException {
        for (int attempt = 0; attempt < 500; attempt++) {
            int candidate = ThreadLocalRandom.current().nextInt(20_000, 45_000);
            if (taken.contains(candidate) || taken.contains(candidate + 10_000) || taken.contains(candidate - 10_000)) {
                continue;
            }
            if (bindable(candidate) && bindable(candidate + 10_000)) {
                return candidate;
            }
        }
        throw new IOException("no free port pair for a Redis Cluster node");
    }

    private static boolean bindable(int candidate) {
        try (ServerSocket socket = new ServerSocket(candidate, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException inUse) {
            return false;
        }
    }

    private static Path createDir(String prefix) {
        try {
            Path target = Path.of("target", "test-data");
            Files.createDirectories(target);
            return Files.createTempDirectory(target.toAbsolutePath(), prefix);
        } catch (IOException exception) {
            throw new IllegalStateException(exception);
        }
    }
}
