package org.openwallet.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Iterator;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The wallet's actuator on its management port (loopback only), read as a monitoring system reads it:
 * the Prometheus scrape, and the bound configuration ({@code configprops}, when the benchmark exposes it).
 */
final class ManagementEndpoint {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final String baseUrl;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private ManagementEndpoint(String baseUrl) {
        this.baseUrl = baseUrl;
    }

    /** The management port of a wallet started in this JVM ({@code management.server.port=0} picks it). */
    static ManagementEndpoint of(ConfigurableApplicationContext context) {
        String port = context.getEnvironment().getProperty("local.management.port");
        if (port == null) {
            throw new IllegalStateException("the wallet has no management port of its own (management.server.port)");
        }
        return new ManagementEndpoint("http://127.0.0.1:" + port + "/actuator");
    }

    /** The Prometheus text exposition of every meter. */
    String prometheus() {
        return get("/prometheus");
    }

    /** A timer's histogram as the wallet exports it now (buckets since the start, cumulative). */
    TimerBuckets timer(String prometheusName) {
        return TimerBuckets.parse(prometheus(), prometheusName);
    }

    /** A duration setting of the configuration properties bound under {@code prefix}, as the wallet bound it (defaults included). */
    Duration durationProperty(String prefix, String name) {
        JsonNode value = configurationProperty(prefix, name);
        // Jackson writes a Duration as ISO-8601 text, or as seconds when configured to write timestamps.
        return value.isNumber()
                ? Duration.ofNanos(Math.round(value.asDouble() * 1e9))
                : DurationStyle.detectAndParse(value.asString());
    }

    private JsonNode configurationProperty(String prefix, String name) {
        JsonNode contexts = JSON.readTree(get("/configprops")).path("contexts");
        for (Iterator<JsonNode> context = contexts.values().iterator(); context.hasNext(); ) {
            for (JsonNode bean : context.next().path("beans").values()) {
                if (prefix.equals(bean.path("prefix").asString(null))
                        && bean.path("properties").has(name)) {
                    return bean.path("properties").get(name);
                }
            }
        }
        throw new IllegalStateException("the wallet's configprops has no " + prefix + "." + name);
    }

    private String get(String path) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(TIMEOUT)
                .GET()
                .build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("GET " + baseUrl + path + " answered " + response.statusCode());
            }
            return response.body();
        } catch (IOException failure) {
            throw new IllegalStateException("GET " + baseUrl + path + " failed", failure);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted reading " + baseUrl + path, interrupted);
        }
    }
}
