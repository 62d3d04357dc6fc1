/**
 * Cross-cutting pieces, each a named interface a capability must ask for in its
 * {@code allowedDependencies}: {@code money}, {@code web} (the HTTP edge), {@code redis},
 * {@code crypto}, {@code database}, {@code kafka} and {@code config}. The base package holds what
 * is too small to split: time-ordered ids, health states and the circuit breaker.
 */
@org.springframework.modulith.ApplicationModule(allowedDependencies = {})
package org.openwallet.platform;
