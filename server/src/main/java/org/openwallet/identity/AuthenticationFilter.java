package org.openwallet.identity;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Optional;
import java.util.Set;
import org.openwallet.platform.Problem;
import org.openwallet.platform.ProblemCode;
import org.openwallet.platform.ProblemHandler;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Requires a valid bearer token on every {@code /v1} path except sign-up and login, before any
 * controller runs, so an unauthenticated request learns nothing, not even whether a path exists.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
class AuthenticationFilter extends OncePerRequestFilter {
    static final String USER_ATTRIBUTE = AuthenticatedUser.class.getName();
    /** Sign-up and login need no token; the bank webhook authenticates by its signature instead. */
    private static final Set<String> PUBLIC_PATHS = Set.of("/v1/auth/signup", "/v1/auth/login", "/v1/webhooks/bank",
            "/v1/auth/refresh");
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
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        return !(path.equals("/v1") || path.startsWith("/v1/")) || PUBLIC_PATHS.contains(path);
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String header = request.getHeader("Authorization");
        Optional<AuthenticatedUser> user = header != null && header.regionMatches(true, 0, BEARER, 0, BEARER.length())
                ? tokens.verify(header.substring(BEARER.length()).strip())
                : Optional.empty();
        if (user.isEmpty()) {
            response.setHeader("WWW-Authenticate", "Bearer");
            problems.write(response, Problem.of(ProblemCode.UNAUTHORIZED,
                    header == null ? "Send an Authorization: Bearer <token> header; get a token from /v1/auth/login."
                            : "The access token is missing, expired or not valid."));
            return;
        }
        if (!tokens.revocationsCurrent()) {
            // Which sessions ended is unknown for too long: honouring the token could honour a revoked one.
            response.setHeader("Retry-After", Long.toString(SESSIONS_UNKNOWN_RETRY_AFTER_SECONDS));
            problems.write(response, Problem.of(ProblemCode.SERVICE_UNAVAILABLE, "Sessions cannot be checked right now; retry shortly."));
            return;
        }
        request.setAttribute(USER_ATTRIBUTE, user.get());
        chain.doFilter(request, response);
    }
}
