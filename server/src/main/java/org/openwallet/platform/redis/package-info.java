/** The Redis gateway: one client for a standalone server or a Redis Cluster, behind a circuit breaker; an outage is a RedisUnavailableException callers answer for. */
@org.springframework.modulith.NamedInterface("redis")
package org.openwallet.platform.redis;
