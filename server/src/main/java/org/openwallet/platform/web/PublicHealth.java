package org.openwallet.platform.web;

import io.swagger.v3.oas.annotations.Hidden;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.openwallet.platform.HealthStatus;
import org.openwallet.platform.SampledHealth;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.actuate.autoconfigure.web.server.ManagementPortType;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.health.actuate.endpoint.CompositeHealthDescriptor;
import org.springframework.boot.health.actuate.endpoint.HealthDescriptor;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.actuate.endpoint.HttpCodeStatusMapper;
import org.springframework.boot.health.actuate.endpoint.IndicatedHealthDescriptor;
import org.springframework.boot.health.contributor.Status;
import org.springframework.core.env.Environment;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /actuator/health} on the public port: the aggregate status, for load balancers and
 * uptime checks (200 for UP and DEGRADED, 503 for DOWN and OUT_OF_SERVICE, as on the management
 * port), and when it is not UP the {@code reason} of the components that made it so, one line
 * each, with no other component detail. The actuator itself, with health details and the
 * Prometheus metrics, is served on the management port ({@code management.server.port}, bound to
 * {@code management.server.address}, 127.0.0.1 by default), which only operators and the metrics
 * scraper can reach.
 *
 * <p>It answers at once: the checks that reach PostgreSQL run in the background
 * ({@link SampledHealth}), so a database that is down shows as DOWN here within about
 * {@code wallet.health.interval + wallet.health.timeout}, as health JSON, never as a problem.
 *
 * <p>The management port must differ from the public one: on the same port the actuator's own
 * {@code /actuator/health} (with details) and {@code /actuator/prometheus} would be public again,
 * so the wallet refuses to start that way.
 */
@RestController
@Hidden
@ConditionalOnWebApplication
class PublicHealth {
    private static final Logger log = LoggerFactory.getLogger(PublicHealth.class);

    private final HealthEndpoint health;
    private final HttpCodeStatusMapper statusCodes;

    PublicHealth(HealthEndpoint health, HttpCodeStatusMapper statusCodes, Environment environment) {
        if (ManagementPortType.get(environment) == ManagementPortType.SAME) {
            throw new IllegalStateException(
                    "management.server.port (WALLET_MANAGEMENT_PORT) must differ from server.port: "
                            + "the management port serves metrics and health details, which must not be public");
        }
        this.health = health;
        this.statusCodes = statusCodes;
    }

    @GetMapping("/actuator/health")
    ResponseEntity<Map<String, String>> health() {
        Status status;
        List<String> reasons = new ArrayList<>();
        try {
            HealthDescriptor descriptor = health.health();
            status = descriptor.getStatus();
            collectReasons("", descriptor, status, reasons);
        } catch (RuntimeException failure) {
            // A contributor that throws is a bug; the load balancer still gets health JSON it can act on.
            log.error("Health could not be computed", failure);
            status = Status.DOWN;
            reasons.add("health could not be computed");
        }
        Map<String, String> body = new LinkedHashMap<>();
        body.put("status", status.getCode());
        if (!Status.UP.equals(status) && !reasons.isEmpty()) {
            body.put(HealthStatus.REASON, String.join("; ", reasons));
        }
        return ResponseEntity.status(statusCodes.getStatusCode(status)).body(body);
    }

    /** The reasons of the components whose status is the aggregate's: those that decided it. */
    private static void collectReasons(
            String name, HealthDescriptor descriptor, Status aggregate, List<String> reasons) {
        if (descriptor instanceof CompositeHealthDescriptor composite && composite.getComponents() != null) {
            composite
                    .getComponents()
                    .forEach((child, childDescriptor) -> collectReasons(
                            name.isEmpty() ? child : name + "." + child, childDescriptor, aggregate, reasons));
        } else if (descriptor instanceof IndicatedHealthDescriptor indicated
                && aggregate.equals(indicated.getStatus())) {
            Object reason = indicated.getDetails().get(HealthStatus.REASON);
            reasons.add(reason != null ? String.valueOf(reason) : name + " is " + aggregate.getCode());
        }
    }
}
