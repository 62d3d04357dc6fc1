package org.openwallet.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.util.unit.DataSize;

/**
 * The development stack: for each dependency whose external address is not configured, starts the
 * embedded server and hands its address to the wallet as that very setting, so the wallet itself
 * only ever reads addresses. Registered in {@code META-INF/spring.factories}, so every
 * {@code SpringApplication} with this module on its classpath gets it ({@code ./wallet run}, the
 * tests, the benchmarks); a production wallet runs without it.
 *
 * <table>
 *   <caption>What starts when</caption>
 *   <tr><th>Setting absent</th><th>Also needed</th><th>Starts, under {@code wallet.data-dir}</th><th>And sets</th></tr>
 *   <tr><td>{@code wallet.database.url}</td><td></td><td>{@link EmbeddedPostgres} in {@code postgres}</td>
 *       <td>{@code wallet.database.url}, {@code .username}, {@code .password}</td></tr>
 *   <tr><td>{@code wallet.redis.url} and {@code wallet.redis.cluster-nodes}</td><td>{@code wallet.redis.embedded} (default true)</td>
 *       <td>{@link EmbeddedRedis} in {@code redis}</td><td>{@code wallet.redis.url}</td></tr>
 *   <tr><td>{@code wallet.kafka.bootstrap-servers}</td><td>any role</td><td>{@link EmbeddedKafka} in {@code kafka}</td>
 *       <td>{@code wallet.kafka.bootstrap-servers}</td></tr>
 *   <tr><td>{@code wallet.cassandra.contact-points}</td><td>role api or feed</td><td>{@link EmbeddedCassandra} in {@code cassandra}</td>
 *       <td>{@code wallet.cassandra.contact-points}, and {@code .replication} (one replica) unless set</td></tr>
 *   <tr><td>{@code wallet.funding.bank-url}</td><td>role api</td><td>{@link EmbeddedBankSimulator} in {@code bank-simulator}</td>
 *       <td>{@code wallet.funding.bank-url}; its webhooks go to the wallet's port once it listens</td></tr>
 * </table>
 *
 * <p>It runs when the context refreshes, before any bean is made (the test framework's dynamic
 * properties and every initializer have had their say by then). Each server is registered as a bean
 * of its own type, disposable, before any other bean exists; Spring destroys beans in the reverse
 * order of their registration, so the servers stop last, after the pools and clients that use them,
 * also when the start fails half-way. {@code wallet.devstack.enabled=false} turns it off.
 */
public final class DevStack implements ApplicationContextInitializer<ConfigurableApplicationContext> {
    /** The embedded Cassandra node's keyspace replication: it is the only replica. */
    static final String SINGLE_NODE_REPLICATION = "{'class': 'SimpleStrategy', 'replication_factor': 1}";

    private static final List<String> ALL_ROLES = List.of("api", "relay", "consumers", "feed");

    @Override
    public void initialize(ConfigurableApplicationContext context) {
        context.addBeanFactoryPostProcessor(new Starter(context));
    }

    /** Runs first among the context's post-processors (those added to the context run before those defined as beans). */
    private record Starter(ConfigurableApplicationContext context) implements BeanDefinitionRegistryPostProcessor {
        @Override
        public void postProcessBeanDefinitionRegistry(BeanDefinitionRegistry registry) throws BeansException {
            Binder settings = Binder.get(context.getEnvironment());
            if (!settings.bind("wallet.devstack.enabled", Boolean.class).orElse(true)) {
                return;
            }
            try {
                start(settings, (DefaultListableBeanFactory) context.getBeanFactory());
            } catch (IOException failure) {
                throw new UncheckedIOException("The development stack did not start", failure);
            }
        }

        @Override
        public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {}

        private void start(Binder settings, DefaultListableBeanFactory beans) throws IOException {
            Path dataDir = Path.of(
                            settings.bind("wallet.data-dir", String.class).orElse("./data"))
                    .toAbsolutePath();
            List<String> roles =
                    settings.bind("wallet.roles", Bindable.listOf(String.class)).orElse(ALL_ROLES);
            Map<String, Object> addresses = new LinkedHashMap<>();
            // Added now and filled as servers come up: a setting is only ever added where it was absent.
            context.getEnvironment().getPropertySources().addFirst(new MapPropertySource("devstack", addresses));

            if (absent(settings, "wallet.database.url")) {
                DataSize walCap = settings.bind("wallet.database.max-slot-wal-keep-size", DataSize.class)
                        .orElse(EmbeddedPostgres.DEFAULT_MAX_SLOT_WAL_KEEP_SIZE);
                EmbeddedPostgres postgres = register(
                        beans, "embeddedPostgres", EmbeddedPostgres.start(dataDir.resolve("postgres"), walCap));
                addresses.put("wallet.database.url", postgres.jdbcUrl());
                addresses.put("wallet.database.username", postgres.username());
                addresses.put("wallet.database.password", postgres.password());
            }
            if (absent(settings, "wallet.redis.url")
                    && absent(settings, "wallet.redis.cluster-nodes")
                    && settings.bind("wallet.redis.embedded", Boolean.class).orElse(true)) {
                EmbeddedRedis redis = register(beans, "embeddedRedis", EmbeddedRedis.start(dataDir.resolve("redis")));
                addresses.put("wallet.redis.url", redis.uri());
            }
            if (absent(settings, "wallet.kafka.bootstrap-servers")
                    && roles.stream().anyMatch(ALL_ROLES::contains)) {
                int partitions =
                        settings.bind("wallet.kafka.partitions", Integer.class).orElse(12);
                EmbeddedKafka kafka =
                        register(beans, "embeddedKafka", EmbeddedKafka.start(dataDir.resolve("kafka"), partitions));
                addresses.put("wallet.kafka.bootstrap-servers", kafka.bootstrapServers());
            }
            if (absent(settings, "wallet.cassandra.contact-points")
                    && (roles.contains("api") || roles.contains("feed"))) {
                String javaHome = settings.bind("wallet.cassandra.java-home", String.class)
                        .orElse("")
                        .strip();
                String heapSize = settings.bind("wallet.cassandra.heap-size", String.class)
                        .orElse("768m");
                EmbeddedCassandra cassandra = register(
                        beans,
                        "embeddedCassandra",
                        EmbeddedCassandra.start(
                                dataDir.resolve("cassandra"), javaHome.isEmpty() ? null : Path.of(javaHome), heapSize));
                addresses.put("wallet.cassandra.contact-points", cassandra.contactPoint());
                if (absent(settings, "wallet.cassandra.replication")) {
                    addresses.put("wallet.cassandra.replication", SINGLE_NODE_REPLICATION);
                }
            }
            if (absent(settings, "wallet.funding.bank-url") && roles.contains("api")) {
                // The file the wallet reads the secret from (FundingConfiguration.webhookSecretFile): the same default.
                Path secret = settings.bind("wallet.funding.webhook-secret-file", Path.class)
                        .orElse(dataDir.resolve("keys").resolve("bank-webhook.key"));
                SecretFiles.ensureSecret(secret, 32);
                Duration delay = settings.bind("wallet.funding.simulator-delay", Duration.class)
                        .orElse(Duration.ofSeconds(2));
                // The webhook URL needs the HTTP port, known only once the server listens: set then.
                EmbeddedBankSimulator bank = register(
                        beans,
                        "embeddedBankSimulator",
                        EmbeddedBankSimulator.start(dataDir.resolve("bank-simulator"), 0, null, secret, delay));
                addresses.put("wallet.funding.bank-url", bank.baseUrl().toString());
                context.addApplicationListener(new PointSimulatorHere(bank));
            }
        }

        private static boolean absent(Binder settings, String name) {
            return settings.bind(name, String.class).map(String::isBlank).orElse(true);
        }

        private static <T extends AutoCloseable> T register(DefaultListableBeanFactory beans, String name, T server) {
            beans.registerSingleton(name, server);
            beans.registerDisposableBean(name, server::close);
            return server;
        }
    }

    /**
     * Points the simulator's webhooks at the wallet's public port once it listens. The management
     * server (the actuator's port of its own) announces itself with the same event, after the public
     * one, from a child context with a server namespace: were it taken too, every webhook would go to
     * the management port, be answered 404, and only the status queries would ever decide a request.
     */
    private record PointSimulatorHere(EmbeddedBankSimulator simulator)
            implements ApplicationListener<WebServerInitializedEvent> {
        @Override
        public void onApplicationEvent(WebServerInitializedEvent event) {
            if (event.getApplicationContext().getServerNamespace() != null) {
                return;
            }
            String webhook = "http://127.0.0.1:" + event.getWebServer().getPort() + "/v1/webhooks/bank";
            HttpResponse<String> answer;
            try (HttpClient client = HttpClient.newHttpClient()) {
                answer = client.send(
                        HttpRequest.newBuilder(URI.create(simulator.baseUrl() + "/admin/config"))
                                .timeout(Duration.ofSeconds(10))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString("{\"webhook_url\":\"" + webhook + "\"}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
            } catch (IOException failure) {
                throw new UncheckedIOException("Cannot tell the bank simulator its webhook URL", failure);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(
                        "Interrupted while telling the bank simulator its webhook URL", interrupted);
            }
            if (answer.statusCode() != 200) {
                throw new IllegalStateException("The bank simulator refused its webhook URL: " + answer.body());
            }
        }
    }
}
