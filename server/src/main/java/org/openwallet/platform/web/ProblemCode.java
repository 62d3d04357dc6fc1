package org.openwallet.platform.web;

/**
 * Every error code the API can answer with, each with its HTTP status. The string values are a
 * public contract: never rename one.
 */
public enum ProblemCode {
    VALIDATION_FAILED(400, "Request is not valid"),
    /**
     * The HTTP layer could not read the request at all: a request line, path or header with characters
     * HTTP does not allow (NUL, raw spaces, control characters), a broken percent-encoding, an encoded
     * NUL or separator in the path, a malformed chunked body. Answered before any controller runs.
     */
    MALFORMED_REQUEST(400, "Request is malformed"),
    IDEMPOTENCY_KEY_MISSING(400, "Idempotency-Key header is required"),
    IDEMPOTENCY_KEY_INVALID(400, "Idempotency-Key header is not valid"),
    INVALID_CURSOR(400, "Cursor is not valid"),
    UNAUTHORIZED(401, "Authentication required"),
    INVALID_CREDENTIALS(401, "Handle or password is wrong"),
    INVALID_SIGNATURE(401, "Signature is not valid"),
    FORBIDDEN(403, "Not allowed"),
    TRANSFER_DECLINED(403, "Transfer declined"),
    ACCOUNT_FROZEN(403, "Account is frozen"),
    NOT_FOUND(404, "Not found"),
    RECIPIENT_NOT_FOUND(404, "Recipient not found"),
    USER_NOT_FOUND(404, "User not found"),
    METHOD_NOT_ALLOWED(405, "Method not allowed"),
    NOT_ACCEPTABLE(406, "Not acceptable"),
    HANDLE_TAKEN(409, "Handle is taken"),
    IDEMPOTENCY_REQUEST_IN_PROGRESS(409, "A request with this Idempotency-Key is still being processed"),
    ALREADY_FRIENDS(409, "Already friends"),
    FRIEND_REQUEST_CLOSED(409, "Friend request was already declined"),
    FRIEND_LIMIT_REACHED(409, "Too many friends"),
    VISIBILITY_NOT_NARROWER(409, "Visibility can only be made more private"),
    /** The user has linked as many bank accounts as allowed ({@code wallet.funding.max-bank-accounts}). */
    BANK_ACCOUNT_LIMIT_REACHED(409, "Too many linked bank accounts"),
    /** Another user holds this account number verified; an admin may allow it. */
    BANK_ACCOUNT_IN_USE(409, "Bank account is linked to another user"),
    /** Too many wrong micro-deposit answers: the account is verification_failed and must be linked again. */
    BANK_ACCOUNT_LOCKED(409, "Bank account verification failed"),
    UNSUPPORTED_MEDIA_TYPE(415, "Unsupported media type"),
    RATE_LIMITED(429, "Too many requests"),
    /** The request line and headers together are over {@code server.max-http-request-header-size}. */
    REQUEST_HEADERS_TOO_LARGE(431, "Request header fields too large"),
    IDEMPOTENCY_KEY_REUSED(422, "Idempotency-Key was used with a different request"),
    INSUFFICIENT_FUNDS(422, "Insufficient funds"),
    ACCOUNT_IN_DEBT(422, "The wallet owes money and cannot pay out until that is repaid"),
    SELF_TRANSFER(422, "Cannot pay yourself"),
    SELF_FRIEND_REQUEST(422, "Cannot befriend yourself"),
    INVALID_AMOUNT(422, "Amount is not valid"),
    CURRENCY_MISMATCH(422, "Currency does not match the wallets"),
    /** A deposit or withdrawal with a bank account not verified by micro-deposits yet (or locked). */
    BANK_ACCOUNT_UNVERIFIED(422, "Bank account is not verified"),
    /** The amounts given do not match the micro-deposits; the detail says how many attempts are left. */
    VERIFICATION_AMOUNTS_MISMATCH(422, "Amounts do not match the micro-deposits"),
    /** A withdrawal over the weekly limit of the user's tier, or over the withdrawal velocity; {@code reason} says which. */
    WITHDRAWAL_LIMIT_EXCEEDED(422, "Withdrawal limit exceeded"),
    /** A withdrawal of money from deposits the bank can still return (within the hold after settlement). */
    FUNDS_ON_HOLD(422, "Funds are on hold"),
    DEAD_LETTER_STILL_FAILING(422, "The dead-lettered event still cannot be applied"),
    TRANSFER_NOT_P2P(422, "Only a payment between users has a visibility"),
    INTERNAL_ERROR(500, "Internal error"),
    /** A method or transfer coding the server does not implement at all (CONNECT, Transfer-Encoding: gzip). */
    NOT_IMPLEMENTED(501, "Not implemented"),
    SERVICE_UNAVAILABLE(503, "Service unavailable"),
    FEED_UNAVAILABLE(503, "Feed is unavailable"),
    HTTP_VERSION_NOT_SUPPORTED(505, "HTTP version not supported");

    private final int status;
    private final String title;

    ProblemCode(int status, String title) {
        this.status = status;
        this.title = title;
    }

    /**
     * The code for an error that the HTTP layer (Tomcat, or the servlet container's own error dispatch)
     * answered with a bare status and no code of ours. A status without a code of its own maps to the
     * generic code of its class, so the status a client sees always equals its code's.
     */
    static ProblemCode forHttpStatus(int status) {
        return switch (status) {
            case 400 -> MALFORMED_REQUEST;
            case 401 -> UNAUTHORIZED;
            case 403 -> FORBIDDEN;
            case 404 -> NOT_FOUND;
            case 405 -> METHOD_NOT_ALLOWED;
            case 406 -> NOT_ACCEPTABLE;
            case 415 -> UNSUPPORTED_MEDIA_TYPE;
            case 429 -> RATE_LIMITED;
            case 431 -> REQUEST_HEADERS_TOO_LARGE;
            case 501 -> NOT_IMPLEMENTED;
            case 503 -> SERVICE_UNAVAILABLE;
            case 505 -> HTTP_VERSION_NOT_SUPPORTED;
            default -> status >= 500 ? INTERNAL_ERROR : MALFORMED_REQUEST;
        };
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    public String value() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
