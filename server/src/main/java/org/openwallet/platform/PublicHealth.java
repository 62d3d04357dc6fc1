package org.openwallet.platform;

import io.swagger.v3.oas.annotations.Hidden;
import java.util.Map;
import org.springframework.boot.actuate.autoconfigure.web.server.ManagementPortType;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.actuate.endpoint.HttpCodeStatusMapper;
import org.springframework.boot.health.contributor.Status;
import org.springframework.core.env.Environment;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /actuator/health} on the public port: the aggregate status only (200 UP, 503 otherwise),
 * for load balancers and uptime checks, with no component and no detail. The actuator itself, with
 * health details and the Prometheus metrics, is served on the management port
 * ({@code management.server.port}, bound to {@code management.server.address}, 127.0.0.1 by
 * default), which only operators and the metrics scraper can reach.
 *
 * <p>The management port must differ from the public one: on the same port the actuator's own
 * {@code /actuator/health} (with details) and {@code /actuator/prometheus} would be public again,
 * so the wallet refuses to start that way.
 */
@RestController
@Hidden
@ConditionalOnWebApplication
class PublicHealth {
    private final HealthEndpoint health;

    PublicHealth(HealthEndpoint health, Environment environment) {
        if (ManagementPortType.get(environment) == ManagementPortType.SAME) {
            throw new IllegalStateException("management.server.port (WALLET_MANAGEMENT_PORT) must differ from server.port: "
                    + "the management port serves metrics and health details, which must not be public");
        }
        this.health = health;
    }

    @GetMapping("/actuator/health")
    ResponseEntity<Map<String, String>> health() {
        Status status = health.health().getStatus();
        return ResponseEntity.status(HttpCodeStatusMapper.DEFAULT.getStatusCode(status)).body(Map.of("status", status.getCode()));
    }
}
