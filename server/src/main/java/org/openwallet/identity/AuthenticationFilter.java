package org.openwallet.identity;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;
import org.openwallet.platform.web.Problem;
import org.openwallet.platform.web.ProblemCode;
import org.openwallet.platform.web.ProblemHandler;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.UriUtils;

/**
 * Requires a valid bearer token on every {@code /v1} path except the few in {@link #PUBLIC_PATHS},
 * before any controller runs, so an unauthenticated request learns nothing, not even whether a path
 * exists.
 *
 * <p>The decision is taken on the path as the servlet container resolved it (percent-decoded, path
 * parameters such as {@code ;x} removed, {@code .}, {@code ..} and empty segments resolved), never
 * on the raw request line: {@code /v1;x/transfers}, {@code /%76%31/transfers} and
 * {@code //v1/transfers} are all {@code /v1/transfers} to the router, so they are to this filter.
 * A raw path that is not already in that resolved form is then refused with 400, token or not:
 * Tomcat and Spring MVC resolve such paths differently (Spring strips path parameters but keeps
 * dot segments), so the path that was authorised need not be the one a controller would be chosen
 * for, and no legitimate client sends one.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
class AuthenticationFilter extends OncePerRequestFilter {
    static final String USER_ATTRIBUTE = AuthenticatedUser.class.getName();
    /**
     * The one list of {@code /v1} paths that need no token, matched exactly: sign-up, login and the
     * refresh of a session (its refresh token is its credential); the bank webhook authenticates by
     * its signature instead.
     */
    static final Set<String> PUBLIC_PATHS =
            Set.of("/v1/auth/signup", "/v1/auth/login", "/v1/auth/refresh", "/v1/webhooks/bank");

    private static final String BEARER = "Bearer ";
    /** Retry-After while this node cannot tell which sessions have ended. */
    static final long SESSIONS_UNKNOWN_RETRY_AFTER_SECONDS = 5;

    private final TokenService tokens;
    private final ProblemHandler problems;

    AuthenticationFilter(TokenService tokens, ProblemHandler problems) {
        this.tokens = tokens;
        this.problems = problems;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String path = resolvedPath(request);
        if ((path.equals("/v1") || path.startsWith("/v1/"))
                && !PUBLIC_PATHS.contains(path)
                && !authenticate(request, response)) {
            return;
        }
        if (!isResolved(request, path)) {
            problems.write(
                    response,
                    Problem.of(
                            ProblemCode.VALIDATION_FAILED,
                            "The request path is not in canonical form (no path parameters, dot segments, empty segments or encoded separators)."));
            return;
        }
        chain.doFilter(request, response);
    }

    /** The path the container routes on: decoded and normalized, below the context path. */
    static String resolvedPath(HttpServletRequest request) {
        String pathInfo = request.getPathInfo();
        return request.getServletPath() + (pathInfo == null ? "" : pathInfo);
    }

    /** Whether the raw path, merely percent-decoded, already is the resolved path. */
    static boolean isResolved(HttpServletRequest request, String resolvedPath) {
        String raw = request.getRequestURI().substring(request.getContextPath().length());
        if (raw.indexOf(';') >= 0) {
            return false;
        }
        String decoded;
        try {
            decoded = UriUtils.decode(raw, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException malformed) {
            return false;
        }
        return decoded.equals(resolvedPath) && decoded.indexOf('\\') < 0 && decoded.indexOf('%') < 0;
    }

    /** Verifies the bearer token and hands the user on; answers 401 and returns false without a valid one. */
    private boolean authenticate(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String header = request.getHeader("Authorization");
        Optional<AuthenticatedUser> user = header != null && header.regionMatches(true, 0, BEARER, 0, BEARER.length())
                ? tokens.verify(header.substring(BEARER.length()).strip())
                : Optional.empty();
        if (user.isEmpty()) {
            response.setHeader("WWW-Authenticate", "Bearer");
            problems.write(
                    response,
                    Problem.of(
                            ProblemCode.UNAUTHORIZED,
                            header == null
                                    ? "Send an Authorization: Bearer <token> header; get a token from /v1/auth/login."
                                    : "The access token is missing, expired or not valid."));
            return false;
        }
        if (!tokens.revocationsCurrent()) {
            // Which sessions ended is unknown for too long: honouring the token could honour a revoked one.
            response.setHeader("Retry-After", Long.toString(SESSIONS_UNKNOWN_RETRY_AFTER_SECONDS));
            problems.write(
                    response,
                    Problem.of(
                            ProblemCode.SERVICE_UNAVAILABLE, "Sessions cannot be checked right now; retry shortly."));
            return false;
        }
        request.setAttribute(USER_ATTRIBUTE, user.get());
        return true;
    }
}
