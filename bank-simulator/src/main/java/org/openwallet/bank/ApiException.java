package org.openwallet.bank;

/**
 * A request this bank refuses, with the HTTP status and the stable {@code code} it answers with
 * (see docs/bank-simulator.md). Thrown only while reading a request, before anything is changed.
 */
final class ApiException extends RuntimeException {
    private final int status;
    private final String code;

    ApiException(int status, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
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
}
