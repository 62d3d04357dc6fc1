package org.openwallet.platform.redis;

import java.io.Serial;

/**
 * Redis did not answer in time, failed, or its circuit breaker is open. Every caller decides what
 * that means for its request: fail open (the ledger still guards the money) or fail closed.
 */
public class RedisUnavailableException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    public RedisUnavailableException(String message, Throwable cause) {
        super(message, cause, false, false);
    }
}
