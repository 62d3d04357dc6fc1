package org.openwallet.platform.web;

import java.io.Serial;

/**
 * Thrown at the API edge for a request that must be answered with a problem; mapped to
 * {@code application/problem+json} by {@link ProblemHandler}. Business outcomes inside the
 * domain are values, not exceptions; this is only for turning them (and bad input) into HTTP.
 */
public class ProblemException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final ProblemCode code;

    public ProblemException(ProblemCode code, String detail) {
        super(detail, null, false, false);
        this.code = code;
    }

    public ProblemCode code() {
        return code;
    }

    public Problem problem() {
        return Problem.of(code, getMessage());
    }
}
