package org.openwallet.events;

import java.util.Set;

/** A consumer of events. Each handler is its own Kafka consumer group, {@code wallet.<name>}. */
public interface EventHandler {
    /** A stable name: the consumer group, and the key under which applied events are remembered. */
    String name();

    Set<String> topics();

    /**
     * Applies one event, inside the database transaction that also records it as applied; the
     * event is never applied twice for this handler. Throw {@link PoisonEventException} for an
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
