package org.openwallet.platform.web;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The part of an endpoint's OpenAPI contract that only its author knows: who may call it, which
 * problem codes its own logic answers with, and whether a rate limit guards it. Every handler
 * method of the API carries one; {@link OpenApiContract} turns it, together with what the handler
 * declares to Spring (an {@code Idempotency-Key} header, a request body, a response body), into the
 * documented security, error responses and headers, so no error block is copied by hand.
 *
 * <p>{@link #problems()} lists only the codes the endpoint itself can produce; the codes every
 * endpoint of its kind shares (a malformed request, a missing token, a non-admin caller, an
 * overloaded server, the Idempotency-Key problems, a refused rate limit) are added from
 * {@link #access()}, {@link #rateLimited()} and the handler's signature. The prose of an error
 * response, when the code alone does not say enough, stays in the method's
 * {@code @Operation(responses = @ApiResponse(...))}.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface ApiContract {
    /** Who may call the endpoint. */
    Access access() default Access.USER;

    /** The problem codes the endpoint's own logic answers with (each documented under its status). */
    ProblemCode[] problems() default {};

    /**
     * Whether a rate limit applies: the answers carry {@code RateLimit-Limit}, {@code RateLimit-Remaining}
     * and {@code RateLimit-Reset}, and a refusal is 429 {@code rate_limited} with {@code Retry-After}.
     */
    boolean rateLimited() default false;

    /** Who may call an endpoint; mirrors {@code identity.AuthenticationFilter}'s public paths and {@code identity.Roles}. */
    enum Access {
        /** No token: one of the public paths (sign-up, login, refresh, the bank's signed webhook). */
        PUBLIC(false),
        /** Any signed-in user's bearer token. */
        USER(true),
        /** A bearer token of a user with the admin role. */
        ADMIN(true, "admin"),
        /** A bearer token of a user with the admin or the support role. */
        ADMIN_OR_SUPPORT(true, "admin", "support");

        private final boolean bearer;
        private final String[] roles;

        Access(boolean bearer, String... roles) {
            this.bearer = bearer;
            this.roles = roles;
        }

        boolean bearer() {
            return bearer;
        }

        String[] roles() {
            return roles.clone();
        }
    }
}
