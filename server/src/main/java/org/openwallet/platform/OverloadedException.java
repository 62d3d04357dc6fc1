package org.openwallet.platform;

/**
 * A request refused because a bounded resource (a pool, a permit) stayed busy for its whole wait.
 * Nothing was done, so a retry is safe; {@link ProblemHandler} answers 503 {@code service_unavailable}
 * with Retry-After, which sheds the load instead of queueing it without bound.
 */
public class OverloadedException extends RuntimeException {
    private final long retryAfterSeconds;

    public OverloadedException(String detail, long retryAfterSeconds) {
        super(detail, null, false, false);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
