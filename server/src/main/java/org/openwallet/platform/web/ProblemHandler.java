package org.openwallet.platform.web;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.apache.tomcat.util.http.InvalidParameterException;
import org.openwallet.platform.database.Transactions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MissingPathVariableException;
import org.springframework.web.bind.MissingRequestHeaderException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.resource.NoResourceFoundException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one place where failures become HTTP: every error leaves the server as
 * {@code application/problem+json} with a stable {@code code}.
 */
@RestControllerAdvice
public class ProblemHandler {
    private static final Logger log = LoggerFactory.getLogger(ProblemHandler.class);
    public static final MediaType PROBLEM_JSON = MediaType.parseMediaType(Problem.MEDIA_TYPE);

    private final JsonMapper json;

    public ProblemHandler(JsonMapper json) {
        this.json = json;
    }

    @ExceptionHandler(ProblemException.class)
    ResponseEntity<Problem> problem(ProblemException exception) {
        return respond(exception.problem());
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    ResponseEntity<Problem> unreadable(HttpMessageNotReadableException exception) {
        Throwable cause = exception.getMostSpecificCause();
        if (cause instanceof ProblemException problem) {
            return respond(problem.problem());
        }
        return respond(Problem.of(ProblemCode.VALIDATION_FAILED, describeUnreadable(exception)));
    }

    @ExceptionHandler(MissingRequestHeaderException.class)
    ResponseEntity<Problem> missingHeader(MissingRequestHeaderException exception) {
        return respond(
                Problem.of(ProblemCode.VALIDATION_FAILED, "Header " + exception.getHeaderName() + " is required."));
    }

    @ExceptionHandler({MethodArgumentTypeMismatchException.class, MissingServletRequestParameterException.class})
    ResponseEntity<Problem> badParameter(Exception exception) {
        return respond(Problem.of(ProblemCode.VALIDATION_FAILED, exception.getMessage()));
    }

    /**
     * A path id that converts to nothing ({@code /v1/admin/users/%20/verification}: a blank UUID is
     * null after conversion) reaches Spring as a missing path variable, which it would answer 500.
     */
    @ExceptionHandler(MissingPathVariableException.class)
    ResponseEntity<Problem> blankPathVariable(MissingPathVariableException exception) {
        return respond(Problem.of(
                ProblemCode.VALIDATION_FAILED, "Path segment " + exception.getVariableName() + " is blank."));
    }

    /**
     * Tomcat parses the query string (or a form body) on the first read of a parameter and throws when
     * its percent-encoding is broken ({@code ?cursor=%zz}): bad input, not a server failure.
     */
    @ExceptionHandler(InvalidParameterException.class)
    ResponseEntity<Problem> unparseableParameters(InvalidParameterException exception) {
        return respond(
                Problem.of(ProblemCode.MALFORMED_REQUEST, "The query string is not valid percent-encoded UTF-8."));
    }

    @ExceptionHandler(NoResourceFoundException.class)
    ResponseEntity<Problem> noResource(NoResourceFoundException exception) {
        return respond(Problem.of(ProblemCode.NOT_FOUND, "No resource at " + exception.getResourcePath() + "."));
    }

    @ExceptionHandler(HttpRequestMethodNotSupportedException.class)
    ResponseEntity<Problem> methodNotAllowed(HttpRequestMethodNotSupportedException exception) {
        Problem problem = Problem.of(ProblemCode.METHOD_NOT_ALLOWED, exception.getMessage());
        // RFC 9110 15.5.6: a 405 must list the methods the resource does support (the exception's Allow header).
        return ResponseEntity.status(problem.status())
                .headers(exception.getHeaders())
                .contentType(PROBLEM_JSON)
                .body(problem);
    }

    @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
    ResponseEntity<Problem> unsupportedMediaType(HttpMediaTypeNotSupportedException exception) {
        return respond(Problem.of(ProblemCode.UNSUPPORTED_MEDIA_TYPE, "Send the body as application/json."));
    }

    @ExceptionHandler(HttpMediaTypeNotAcceptableException.class)
    ResponseEntity<Problem> notAcceptable(HttpMediaTypeNotAcceptableException exception) {
        return respond(Problem.of(ProblemCode.NOT_ACCEPTABLE, "This resource is served as application/json."));
    }

    /**
     * Overload, not failure: every database connection stayed busy for the pool's whole wait. The
     * request did nothing, so a retry is safe; 503 with Retry-After says so and sheds load.
     */
    @ExceptionHandler({CannotGetJdbcConnectionException.class, CannotCreateTransactionException.class})
    ResponseEntity<Problem> overloaded(Exception exception) {
        log.warn("No database connection in time: {}", exception.toString());
        return unavailable(
                Problem.of(
                        ProblemCode.SERVICE_UNAVAILABLE,
                        "The wallet is overloaded; nothing was changed. Retry shortly with the same Idempotency-Key."),
                1);
    }

    /**
     * A statement that PostgreSQL cancelled at the pool's lock or statement timeout
     * ({@code wallet.database.lock-timeout}, {@code statement-timeout}): the database was too slow
     * for this request, most often because another transaction held a row it needed. Its
     * transaction was rolled back, so this is 503 with Retry-After like the pool's own wait; any
     * other database failure stays an internal error.
     */
    @ExceptionHandler(DataAccessException.class)
    ResponseEntity<Problem> database(DataAccessException exception) {
        String sqlState = Transactions.sqlState(exception);
        if (!LOCK_NOT_AVAILABLE.equals(sqlState) && !QUERY_CANCELED.equals(sqlState)) {
            return unexpected(exception);
        }
        log.warn(
                "A database statement ran into the {} timeout: {}",
                LOCK_NOT_AVAILABLE.equals(sqlState) ? "lock" : "statement",
                exception.toString());
        return unavailable(
                Problem.of(
                        ProblemCode.SERVICE_UNAVAILABLE,
                        "The database did not answer in time; nothing was changed. Retry shortly with the same Idempotency-Key."),
                1);
    }

    /** SQLSTATE lock_not_available: here, a lock wait ended by {@code lock_timeout}. */
    static final String LOCK_NOT_AVAILABLE = "55P03";
    /** SQLSTATE query_canceled: here, a statement ended by {@code statement_timeout}. */
    static final String QUERY_CANCELED = "57014";

    @ExceptionHandler(OverloadedException.class)
    ResponseEntity<Problem> busy(OverloadedException exception) {
        return unavailable(
                Problem.of(ProblemCode.SERVICE_UNAVAILABLE, exception.getMessage())
                        .withReason(exception.reason()),
                Math.max(1, exception.retryAfterSeconds()));
    }

    /** A 503: nothing was done, and Retry-After says when to come back with the same Idempotency-Key. */
    private ResponseEntity<Problem> unavailable(Problem problem, long retryAfterSeconds) {
        ResponseEntity<Problem> response = respond(problem);
        return ResponseEntity.status(response.getStatusCode())
                .headers(response.getHeaders())
                .header("Retry-After", Long.toString(retryAfterSeconds))
                .body(response.getBody());
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<Problem> unexpected(Exception exception) {
        log.error("Unhandled exception", exception);
        return respond(Problem.of(
                ProblemCode.INTERNAL_ERROR,
                "The server failed; nothing was changed twice. Retry with the same Idempotency-Key."));
    }

    /** Writes a problem from code that runs outside Spring MVC (servlet filters). */
    public void write(HttpServletResponse response, Problem problem) throws IOException {
        response.setStatus(problem.status());
        response.setContentType(Problem.MEDIA_TYPE);
        response.getOutputStream().write(json.writeValueAsBytes(problem));
    }

    /** Serialises a problem to the exact bytes that are sent, so they can be stored and replayed. */
    public byte[] toBytes(Problem problem) {
        return json.writeValueAsBytes(problem);
    }

    static ResponseEntity<Problem> respond(Problem problem) {
        HttpHeaders headers = new HttpHeaders();
        if (problem.status() == 401) {
            headers.set(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        }
        return ResponseEntity.status(problem.status())
                .headers(headers)
                .contentType(PROBLEM_JSON)
                .body(problem);
    }

    private static String describeUnreadable(HttpMessageNotReadableException exception) {
        Throwable cause = exception.getMostSpecificCause();
        if (cause instanceof RequestBodyTooLargeException tooLarge) {
            return tooLarge.getMessage();
        }
        if (cause instanceof tools.jackson.databind.exc.UnrecognizedPropertyException unknown) {
            return "Unknown field '" + unknown.getPropertyName() + "'.";
        }
        if (cause instanceof tools.jackson.databind.exc.MismatchedInputException mismatch
                && !mismatch.getPath().isEmpty()) {
            String field = mismatch.getPath().stream()
                    .map(reference -> reference.getPropertyName() != null
                            ? reference.getPropertyName()
                            : "[" + reference.getIndex() + "]")
                    .collect(java.util.stream.Collectors.joining("."));
            return "Field '" + field + "' has the wrong type.";
        }
        if (exception.getMessage() != null && exception.getMessage().startsWith("Required request body is missing")) {
            return "A JSON body is required.";
        }
        return "The body is not valid JSON for this request.";
    }
}
