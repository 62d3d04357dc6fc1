package org.openwallet.events;

import java.io.Serial;

/** An event that can never be applied: malformed, unknown version, impossible content. */
public class PoisonEventException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    public PoisonEventException(String message) {
        super(message);
    }
}
