package org.openwallet.feed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.datastax.oss.driver.api.core.CqlIdentifier;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverExecutionProfile;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.openwallet.TestCassandra;
import org.openwallet.devstack.DevStack;
import org.openwallet.devstack.EmbeddedCassandra;
import org.openwallet.platform.config.WalletProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

/** Which processes get a Cassandra node and session, and how the session is set up. */
// Runs beside the Spring classes (junit-platform.properties): it starts servers of its own and mostly waits on them.
@Execution(ExecutionMode.CONCURRENT)
// With the other classes that start Cassandra nodes or load the shared one, one at a time: on two cores, two at once
// time out.
@ResourceLock("cassandra-nodes")
class CassandraConfigurationTest {
    @TempDir
    Path dataDir;

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(WalletProperties.class)
    static class Properties {}

    private ApplicationContextRunner wallet() {
        // The development stack starts the node, as it does for ./wallet run (an ApplicationContextRunner
        // is no SpringApplication, so spring.factories does not bring it in).
        return new ApplicationContextRunner()
                .withInitializer(new DevStack())
                .withUserConfiguration(Properties.class, CassandraConfiguration.class)
                .withPropertyValues(
                        "wallet.data-dir=" + dataDir,
                        "wallet.cassandra.heap-size=512m",
                        "wallet.cassandra.schema-location=classpath:cassandra-schema/ordered",
                        // Only the node: the other servers of the stack are for the other roles and settings.
                        "wallet.database.url=jdbc:postgresql://127.0.0.1:1/unused",
                        "wallet.redis.embedded=false",
                        "wallet.kafka.bootstrap-servers=127.0.0.1:1",
                        "wallet.funding.bank-url=http://127.0.0.1:1",
                        "wallet.cassandra.java-home="
                                + (TestCassandra.javaHome() == null ? "" : TestCassandra.javaHome()));
    }

    /** The embedded mode of {@code ./wallet run}; the rest of the suite uses one shared node as a cluster instead. */
    @Test
    void feedRole_withoutContactPoints_startsANode_handsOutASessionOnTheMigratedKeyspace_andStopsTheNodeOnClose() {
        long[] pid = new long[1];
        wallet().withPropertyValues("wallet.roles=feed").run(context -> {
            assertThat(context).hasNotFailed();
            EmbeddedCassandra node = context.getBean(EmbeddedCassandra.class);
            pid[0] = node.pid();
            assertThat(node.directory()).isEqualTo(dataDir.toAbsolutePath().resolve("cassandra"));
            CqlSession session = context.getBean(CqlSession.class);

            assertThat(session.getKeyspace()).contains(CqlIdentifier.fromCql("wallet"));
            assertThat(session.execute("SELECT script FROM runs").all()).hasSize(3);
            assertThat(session.getMetadata().getKeyspace("wallet").orElseThrow().getReplication())
                    .containsEntry("class", "org.apache.cassandra.locator.SimpleStrategy")
                    .containsEntry("replication_factor", "1");
        });
        assertThat(ProcessHandle.of(pid[0]).map(ProcessHandle::isAlive).orElse(false))
                .as("the node stopped with the wallet")
                .isFalse();
    }

    @Test
    void relayAndConsumersRoles_startNoNode_andOpenNoSession() {
        wallet().withPropertyValues("wallet.roles=relay,consumers").run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBeanProvider(CqlSession.class).getIfAvailable())
                    .isNull();
            assertThat(context.getBeanProvider(EmbeddedCassandra.class).getIfAvailable())
                    .isNull();
            assertThat(dataDir.resolve("cassandra")).doesNotExist();
        });
    }

    @Test
    void defaults_runTheFeedRole_andReplicateOnceEmbedded_andThreeTimesInTheLocalDatacenterOnACluster() {
        new ApplicationContextRunner().withUserConfiguration(Properties.class).run(context -> {
            WalletProperties properties = context.getBean(WalletProperties.class);
            assertThat(properties.roles()).containsExactly("api", "relay", "consumers", "feed");
            assertThat(properties.cassandra().keyspace()).isEqualTo("wallet");
            assertThat(properties.cassandra().localDatacenter()).isEqualTo("datacenter1");
            assertThat(properties.cassandra().consistency()).isEqualTo("LOCAL_QUORUM");
            assertThat(properties.cassandra().schemaLocation()).isEqualTo("classpath:db/cassandra");
            assertThat(properties.cassandra().replicationOrDefault())
                    .isEqualTo("{'class': 'SimpleStrategy', 'replication_factor': 1}");
        });
        WalletProperties.CassandraSettings cluster = new WalletProperties.CassandraSettings(
                "10.0.0.1",
                "eu-west",
                "wallet",
                null,
                "LOCAL_QUORUM",
                Duration.ofSeconds(2),
                WalletProperties.CassandraSettings.DEFAULT_SCHEMA_LOCATION,
                null,
                "768m");
        assertThat(cluster.replicationOrDefault()).isEqualTo("{'class': 'NetworkTopologyStrategy', 'eu-west': 3}");
    }

    @Test
    void driverConfig_setsTheLocalDatacenter_timeout_consistency_andAShortSchemaRefreshWindow() {
        WalletProperties.CassandraSettings settings = new WalletProperties.CassandraSettings(
                "10.0.0.1",
                "eu-west",
                "wallet",
                null,
                "local_quorum",
                Duration.ofMillis(1500),
                WalletProperties.CassandraSettings.DEFAULT_SCHEMA_LOCATION,
                null,
                "768m");

        DriverExecutionProfile profile =
                CassandraConfiguration.driverConfig(settings).getInitialConfig().getDefaultProfile();

        assertThat(profile.getString(DefaultDriverOption.LOAD_BALANCING_LOCAL_DATACENTER))
                .isEqualTo("eu-west");
        assertThat(profile.getDuration(DefaultDriverOption.REQUEST_TIMEOUT)).isEqualTo(Duration.ofMillis(1500));
        assertThat(profile.getString(DefaultDriverOption.REQUEST_CONSISTENCY)).isEqualTo("LOCAL_QUORUM");
        assertThat(profile.getString(DefaultDriverOption.REQUEST_SERIAL_CONSISTENCY))
                .isEqualTo("LOCAL_SERIAL");
        assertThat(profile.getDuration(DefaultDriverOption.METADATA_SCHEMA_WINDOW))
                .isLessThanOrEqualTo(Duration.ofMillis(10));
    }

    @Test
    void driverConfig_withAnUnknownConsistency_isRefused() {
        WalletProperties.CassandraSettings settings = new WalletProperties.CassandraSettings(
                "10.0.0.1",
                "dc1",
                "wallet",
                null,
                "MOSTLY",
                Duration.ofSeconds(2),
                WalletProperties.CassandraSettings.DEFAULT_SCHEMA_LOCATION,
                null,
                "768m");

        assertThatThrownBy(() -> CassandraConfiguration.driverConfig(settings))
                .hasMessageContaining("WALLET_CASSANDRA_CONSISTENCY");
    }

    @Test
    void contactPoints_takeHostsWithAndWithoutPorts_andBracketedIpv6() {
        assertThat(CassandraConfiguration.contactPoints("127.0.0.1:9142, 127.0.0.2 ,[::1]:9242,[::1]"))
                .containsExactly(
                        new InetSocketAddress("127.0.0.1", 9142),
                        new InetSocketAddress("127.0.0.2", 9042),
                        new InetSocketAddress("::1", 9242),
                        new InetSocketAddress("::1", 9042));
        assertThatThrownBy(() -> CassandraConfiguration.contactPoints("127.0.0.1:port"))
                .hasMessageContaining("host:port");
        assertThatThrownBy(() -> CassandraConfiguration.contactPoints(" , ")).hasMessageContaining("names no host");
    }
}
