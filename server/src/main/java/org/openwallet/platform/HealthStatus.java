package org.openwallet.platform;

import org.springframework.boot.health.contributor.Status;

/**
 * The wallet's own health status, besides Spring's UP, DOWN, OUT_OF_SERVICE and UNKNOWN.
 *
 * <p>{@link #DEGRADED}: the node serves payments, but something behind them is falling behind
 * (the outbox relay, say) and an operator should look. It ranks between OUT_OF_SERVICE and UP
 * ({@code management.endpoint.health.status.order}) and answers 200
 * ({@code management.endpoint.health.status.http-mapping.degraded}), so a load balancer keeps
 * routing to the node: taking it out would stop payments that work, and would not make the relay
 * catch up any sooner.
 */
public final class HealthStatus {
    public static final Status DEGRADED = new Status("DEGRADED", "Serving, but falling behind");

    /** The detail each check puts its one-line, publicly shown explanation in when it is not UP. */
    public static final String REASON = "reason";

    private HealthStatus() {}
}
