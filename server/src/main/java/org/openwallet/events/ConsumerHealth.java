package org.openwallet.events;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.openwallet.platform.HealthStatus;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * The {@code consumers} health component: each consumer this process runs, its state
 * ({@code running}, {@code retrying}, {@code restarting}, {@code stopped}), lag, restarts and last
 * failure. DEGRADED (answered 200) while any consumer is restarting, that is, consumes nothing
 * until its backoff ends: the node still takes payments, which only wait in Kafka, so a load
 * balancer must not take it out for that. A consumer retrying one event keeps it UP (it is alive,
 * the store it waits for has its own health), with the failure it retries in the details.
 */
@Component("consumers")
class ConsumerHealth implements HealthIndicator {
    private final EventConsumers consumers;

    ConsumerHealth(EventConsumers consumers) {
        this.consumers = consumers;
    }

    @Override
    public Health health() {
        List<ConsumerLoop> loops = consumers.loops();
        Map<String, Object> details = new LinkedHashMap<>();
        List<String> restarting = new java.util.ArrayList<>();
        for (ConsumerLoop loop : loops) {
            ConsumerLoop.State state = loop.state();
            if (state == ConsumerLoop.State.RESTARTING) {
                restarting.add(loop.name());
            }
            Map<String, Object> consumer = new LinkedHashMap<>();
            consumer.put("state", state.name().toLowerCase(java.util.Locale.ROOT));
            consumer.put("lag", loop.lag());
            consumer.put("restarts", loop.restarts());
            ConsumerLoop.LastFailure failure = loop.lastFailure();
            if (failure != null) {
                consumer.put("lastError", failure.error());
                consumer.put("lastErrorAt", failure.at().toString());
            }
            details.put(loop.name(), consumer);
        }
        if (restarting.isEmpty()) {
            return Health.up().withDetails(details).build();
        }
        return Health.status(HealthStatus.DEGRADED)
                .withDetail(
                        HealthStatus.REASON, "consumer restarting after a failure: " + String.join(", ", restarting))
                .withDetails(details)
                .build();
    }
}
