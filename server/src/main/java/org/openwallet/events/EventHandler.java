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

    /** Whether a failure of this handler's own store is transient, so the event is retried rather than dead-lettered. */
    default boolean isTransient(RuntimeException failure) {
        return false;
    }

    /**
     * Applies one event, inside the database transaction that also records it as applied; the
     * event is never applied twice for this handler (unless it is not {@link #transactional}). Throw {@link PoisonEventException} for an
     * event that can never be applied (it goes to the dead-letter topic); any transient failure
     * (database unavailable) is retried.
     */
    void apply(Event event);

    /**
     * Runs after the transaction of {@link #apply} committed, for side effects outside the database.
     * Best effort: it runs once, only in the process that applied the event (a crash right after the
     * commit skips it), and a failure is logged, neither retried nor dead-lettered.
     */
    default void afterCommit(Event event) {
    }
}
