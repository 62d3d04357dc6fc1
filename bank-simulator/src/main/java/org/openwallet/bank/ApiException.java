package org.openwallet.bank;

import java.io.Serial;
import java.util.Map;

/**
 * A request this bank refuses, with the HTTP status and the stable {@code code} it answers with
 * (see docs/bank-simulator.md). Thrown only while reading a request, before anything is changed.
 */
final class ApiException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String code;
    private final transient Map<String, Object> details;

    ApiException(int status, String code, String message) {
        this(status, code, message, Map.of());
    }

    /** With {@code details}: further fields of the error object, e.g. the existing transfer of an {@code idempotency_conflict}. */
    ApiException(int status, String code, String message, Map<String, Object> details) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.details = Map.copyOf(details);
    }

    static ApiException badRequest(String code, String message) {
        return new ApiException(400, code, message);
    }

    int status() {
        return status;
    }

    String code() {
        return code;
    }

    Map<String, Object> details() {
        return details;
    }
}
