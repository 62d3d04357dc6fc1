package org.openwallet.platform.web;

import io.swagger.v3.oas.annotations.Hidden;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;
import org.apache.tomcat.util.res.StringManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Problem documents for the errors that no controller answers: those Tomcat answers while it parses
 * a request (before any servlet runs: a NUL in a header, {@code %00} in the path, a request line
 * or headers over the limit, an unknown HTTP version), and those the servlet container answers with
 * a bare status ({@code TRACE}, a broken chunked body), which it dispatches to {@code /error}.
 * Without these, Tomcat answers with its HTML error page and Spring Boot with its own JSON shape,
 * neither with a {@code code} a client can switch on.
 */
@Configuration(proxyBeanMethods = false)
class HttpLayerProblems {
    /** Tomcat's own text for a request line plus headers over {@code maxHttpHeaderSize}, in Tomcat's locale. */
    private static final String HEADERS_TOO_LARGE_MESSAGE =
            StringManager.getManager("org.apache.coyote.http11").getString("iib.requestheadertoolarge.error");

    /**
     * Replaces the host's {@link ErrorReportValve}. The host installs an instance of its
     * {@code errorReportValveClass} at start unless its pipeline already holds one, so the instance
     * added here (which can be handed the application's JSON writer) is the only one.
     */
    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> problemErrorReports(ProblemHandler problems) {
        return factory -> factory.addContextCustomizers(context -> {
            if (context.getParent() instanceof StandardHost host) {
                host.setErrorReportValveClass(ProblemErrorReportValve.class.getName());
                host.getPipeline().addValve(new ProblemErrorReportValve(problems));
            }
        });
    }

    /** The problem for an error the HTTP layer answered with a bare status. */
    static Problem forStatus(int status, Throwable cause) {
        if (status == 400
                && cause instanceof IllegalArgumentException
                && HEADERS_TOO_LARGE_MESSAGE.equals(cause.getMessage())) {
            // Tomcat answers 400 here; RFC 6585's 431 tells a client exactly what to shorten.
            return Problem.of(
                    ProblemCode.REQUEST_HEADERS_TOO_LARGE, "The request line and headers are too large together.");
        }
        ProblemCode code = ProblemCode.forHttpStatus(status);
        return Problem.of(
                code,
                switch (code) {
                    case MALFORMED_REQUEST ->
                        "The request is not valid HTTP: check the request line, the path's percent-encoding "
                                + "(no encoded NUL, slash or backslash), the header characters and the body's framing.";
                    case METHOD_NOT_ALLOWED -> "This method is not allowed here.";
                    case NOT_IMPLEMENTED -> "The server does not implement this method or transfer coding.";
                    case HTTP_VERSION_NOT_SUPPORTED -> "Send HTTP/1.1.";
                    case NOT_FOUND -> "Not found.";
                    default -> code.title() + ".";
                });
    }

    /** Writes a problem document for every error report Tomcat itself would have written as HTML. */
    static final class ProblemErrorReportValve extends ErrorReportValve {
        private static final Logger log = LoggerFactory.getLogger(ProblemErrorReportValve.class);
        private final ProblemHandler problems;

        ProblemErrorReportValve(ProblemHandler problems) {
            this.problems = problems;
            setShowReport(false);
            setShowServerInfo(false);
        }

        @Override
        protected void report(Request request, Response response, Throwable throwable) {
            int status = response.getStatus();
            if (status < 400 || response.getContentWritten() > 0) {
                return;
            }
            AtomicBoolean ioAllowed = new AtomicBoolean(false);
            response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ioAllowed);
            if (!ioAllowed.get()) {
                return;
            }
            Problem problem = forStatus(status, throwable);
            log.debug(
                    "HTTP layer answered {} for {}",
                    problem.code(),
                    throwable == null ? "a bare status" : throwable.toString());
            try {
                response.setStatus(problem.status());
                response.setContentType(Problem.MEDIA_TYPE);
                response.setCharacterEncoding(StandardCharsets.UTF_8.name());
                if (problem.status() == 401) {
                    response.setHeader("WWW-Authenticate", "Bearer");
                }
                Writer writer = response.getReporter();
                if (writer != null) {
                    writer.write(new String(problems.toBytes(problem), StandardCharsets.UTF_8));
                    response.finishResponse();
                }
            } catch (IOException | IllegalStateException exception) {
                // The client is gone or the response was committed meanwhile: nothing more can be sent.
                log.debug("Could not write the problem for {}", status, exception);
            }
        }
    }

    /**
     * Spring Boot's {@code /error}, where the servlet container forwards every {@code sendError} that
     * no controller's exception handler turned into a problem (TRACE, a broken chunked body, a
     * filter's bare status), as a problem document instead of Spring Boot's JSON.
     */
    @Hidden
    @RestController
    static class ProblemErrorController implements ErrorController {
        @RequestMapping("${server.error.path:/error}")
        ResponseEntity<Problem> error(HttpServletRequest request) {
            Object status = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
            Object cause = request.getAttribute(RequestDispatcher.ERROR_EXCEPTION);
            // A client asking for /error itself gets what any unknown path gets.
            int code = status instanceof Integer value ? value : 404;
            return ProblemHandler.respond(forStatus(code, cause instanceof Throwable throwable ? throwable : null));
        }
    }
}
