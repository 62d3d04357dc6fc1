package org.openwallet.events;

/** An event that can never be applied: malformed, unknown version, impossible content. */
public class PoisonEventException extends RuntimeException {
    public PoisonEventException(String message) {
        super(message);
    }
}
