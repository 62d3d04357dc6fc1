/**
 * The one shared way to consume the wallet's events from Kafka. Delivery is at least once; a
 * consumer makes it effectively once by recording each applied event id in the same database
 * transaction as its effect, or (the feed, whose effects live in Cassandra) by effects that are
 * idempotent by construction. Each consumer runs in the processes with its role. Offsets are committed only after the effect, transient failures are
 * retried with bounded backoff, and a message that can never be applied goes to {@code <topic>.dlq}
 * without stopping its partition.
 */
@ApplicationModule(
        allowedDependencies = {
            "platform",
            "platform::config",
            "platform::database",
            "platform::kafka",
            "platform::redis"
        })
package org.openwallet.events;

import org.springframework.modulith.ApplicationModule;
