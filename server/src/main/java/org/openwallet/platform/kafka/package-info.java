/** The Kafka cluster the wallet writes to and reads from, and its topics. */
@org.springframework.modulith.NamedInterface("kafka")
package org.openwallet.platform.kafka;
