package org.openwallet.platform.web;

import java.io.Serial;

/**
 * A request refused because a bounded resource (a pool, a permit, a queue) stayed busy for its whole
 * wait. {@link ProblemHandler} answers 503 {@code service_unavailable} with Retry-After, which sheds
 * the load instead of queueing it without bound. A retry is safe: either nothing was done, or the
 * request is a write whose Idempotency-Key makes its retry return what was done instead of doing
 * it again.
 */
public class OverloadedException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final String reason;
    private final long retryAfterSeconds;

    public OverloadedException(String detail, long retryAfterSeconds) {
        this(detail, null, retryAfterSeconds);
    }

    /** @param reason a stable machine-readable reason, sent as the problem's {@code reason}; null for none */
    public OverloadedException(String detail, String reason, long retryAfterSeconds) {
        super(detail, null, false, false);
        this.reason = reason;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public String reason() {
        return reason;
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
