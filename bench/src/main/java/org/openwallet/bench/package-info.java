/**
 * Benchmarks that start a throwaway wallet with every real component and drive it over HTTP as
 * clients would; what they read back comes from the wallet's metrics (its Prometheus endpoint on the
 * management port), from Kafka as a consumer, and from the operating system (CPU per process).
 * Their figures go into the README.
 *
 * <p>A module of its own ({@code bench/}), so the server's main source set carries the product only.
 */
package org.openwallet.bench;
