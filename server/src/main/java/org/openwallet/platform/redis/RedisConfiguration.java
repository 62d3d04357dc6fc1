package org.openwallet.platform.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.openwallet.platform.CircuitBreaker;
import org.openwallet.platform.EmbeddedRedis;
import org.openwallet.platform.config.WalletProperties;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.DependsOn;

/**
 * Redis: an external server ({@code wallet.redis.url}), an external cluster
 * ({@code wallet.redis.cluster-nodes}), or, with neither, an embedded server under
 * {@code wallet.data-dir/redis}. {@code wallet.redis.embedded=false} with neither configured
 * means no Redis at all: every caller takes its fallback (used by {@code verify-ledger}).
 */
@Configuration(proxyBeanMethods = false)
class RedisConfiguration {

    @Bean(destroyMethod = "close")
    EmbeddedRedis embeddedRedis(WalletProperties properties) throws IOException {
        WalletProperties.RedisSettings redis = properties.redis();
        if (redis.external() || !redis.embedded()) {
            return null;
        }
        return EmbeddedRedis.start(properties.dataDir().toAbsolutePath().resolve("redis"));
    }

    @Bean(destroyMethod = "close")
    @DependsOn("embeddedRedis")
    Redis redis(
            WalletProperties properties, ObjectProvider<EmbeddedRedis> embedded, MeterRegistry meters, Clock clock) {
        WalletProperties.RedisSettings settings = properties.redis();
        Duration timeout = settings.timeout();
        CircuitBreaker breaker =
                new CircuitBreaker("redis", settings.breakerFailureThreshold(), settings.breakerOpenDuration(), clock);
        SocketOptions socket = SocketOptions.builder()
                .connectTimeout(settings.connectTimeout())
                .build();
        TimeoutOptions timeouts = TimeoutOptions.enabled(timeout);
        if (settings.clusterNodes() != null && !settings.clusterNodes().isBlank()) {
            List<RedisURI> nodes = Arrays.stream(settings.clusterNodes().split(","))
                    .map(String::strip)
                    .filter(node -> !node.isEmpty())
                    .map(node ->
                            boundedConnect(RedisURI.create(node.contains("://") ? node : "redis://" + node), settings))
                    .toList();
            RedisClusterClient client = RedisClusterClient.create(nodes);
            client.setOptions(ClusterClientOptions.builder()
                    .socketOptions(socket)
                    .timeoutOptions(timeouts)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    // Adaptive refresh (on MOVED, ASK, reconnects) is on by default since Lettuce 7.
                    .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                            .enablePeriodicRefresh(Duration.ofSeconds(30))
                            .build())
                    .build());
            return new Redis(
                    client,
                    () -> {
                        StatefulRedisClusterConnection<String, String> connection = client.connect();
                        connection.setTimeout(timeout);
                        return connection;
                    },
                    connection -> ((StatefulRedisClusterConnection<String, String>) connection).sync(),
                    breaker,
                    meters);
        }
        EmbeddedRedis server = embedded.getIfAvailable();
        String uri = settings.external() ? settings.url() : server == null ? null : server.uri();
        if (uri == null) {
            return new Redis(null, null, null, breaker, meters);
        }
        return standalone(uri, settings, breaker, meters);
    }

    /**
     * Bounds a whole connect, handshake (AUTH, HELLO) included, by the connect timeout. Lettuce waits
     * for the handshake as long as the URI's timeout, 60 s unless set: a request that happens to
     * reconnect to a Redis that accepts connections but answers nothing (busy, hung) would wait that long.
     */
    private static RedisURI boundedConnect(RedisURI uri, WalletProperties.RedisSettings settings) {
        uri.setTimeout(settings.connectTimeout().plus(settings.timeout()));
        return uri;
    }

    /** The gateway to one Redis server at {@code uri}, as the wallet runs it (also used by tests of the gateway itself). */
    static Redis standalone(
            String uri, WalletProperties.RedisSettings settings, CircuitBreaker breaker, MeterRegistry meters) {
        Duration timeout = settings.timeout();
        RedisClient client = RedisClient.create(boundedConnect(RedisURI.create(uri), settings));
        client.setOptions(ClientOptions.builder()
                .socketOptions(SocketOptions.builder()
                        .connectTimeout(settings.connectTimeout())
                        .build())
                .timeoutOptions(TimeoutOptions.enabled(timeout))
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .build());
        return new Redis(
                client,
                () -> {
                    StatefulRedisConnection<String, String> connection = client.connect();
                    connection.setTimeout(timeout);
                    return connection;
                },
                connection -> ((StatefulRedisConnection<String, String>) connection).sync(),
                breaker,
                meters);
    }
}
