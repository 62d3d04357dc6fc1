package org.openwallet.platform.web;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * An RFC 9457 problem details body with the wallet's stable machine-readable {@code code}.
 *
 * <p>Clients switch on {@code code}; {@code title} and {@code detail} are for people and may change.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, String code, String reason) {
    public static final String MEDIA_TYPE = "application/problem+json";

    public static Problem of(ProblemCode code, String detail) {
        return new Problem(
                "urn:openwallet:problem:" + code.value(), code.title(), code.status(), detail, code.value(), null);
    }

    /** The same problem with a machine-readable reason, e.g. why a payment was declined. */
    public Problem withReason(String reason) {
        return new Problem(type, title, status, detail, code, reason);
    }
}
