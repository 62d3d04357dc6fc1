/**
 * The transactional outbox and its relay. Every change others care about appends an event in the
 * same database transaction ({@link org.openwallet.outbox.Outbox}); the relay role streams the
 * inserts from PostgreSQL's write-ahead log to Kafka with Debezium. Delivery is at least once:
 * consumers make it effectively once by remembering what they applied.
 */
@ApplicationModule(
        allowedDependencies = {"events", "platform", "platform::config", "platform::database", "platform::kafka"})
package org.openwallet.outbox;

import org.springframework.modulith.ApplicationModule;
