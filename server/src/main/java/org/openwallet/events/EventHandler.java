package org.openwallet.events;

import java.util.Set;

/** A consumer of events. Each handler is its own Kafka consumer group, {@code wallet.<name>}. */
public interface EventHandler {
    /** A stable name: the consumer group, and the key under which applied events are remembered. */
    String name();

    Set<String> topics();

    /** The role ({@code wallet.roles}) of the processes that run this consumer. */
    default String role() {
        return "consumers";
    }

    /**
     * Whether {@link #apply} runs in a database transaction that remembers the event as applied
     * (the default). A handler whose effects live elsewhere and are idempotent by construction
     * (applying an event twice leaves the same state) returns false: it is called without a
     * transaction, possibly more than once for one event.
     */
    default boolean transactional() {
        return true;
    }

    /**
     * How many Kafka keys' events are applied at once. Events of one key (one partition's owner)
     * are always applied one after the other, in order; 1 (the default) applies a whole poll in order.
     */
    default int parallelism() {
        return 1;
    }

    /**
     * Applies one event, inside the database transaction that also records it as applied; the
     * event is never applied twice for this handler (unless it is not {@link #transactional}). Throw
     * {@link PoisonEventException} for an event that can never be applied (malformed, an unknown
     * version, a reference to something that can never exist): it goes to the dead letters. That is
     * the only way to dead-letter an event; every other failure (a store down, a broken connection or
     * transaction, a bug) is retried with backoff until it succeeds, so return only once the effects
     * are durable: the offset moves past the event as soon as this returns (see {@link Failures}).
     */
    void apply(Event event);

    /**
     * Runs after the transaction of {@link #apply} committed, for side effects outside the database.
     * Best effort: it runs once, only in the process that applied the event (a crash right after the
     * commit skips it), and a failure is logged, neither retried nor dead-lettered.
     */
    default void afterCommit(Event event) {}
}
