package org.openwallet.identity;

import java.util.UUID;

/** The user a request's bearer token was issued to. Declare it as a controller method parameter. */
public record AuthenticatedUser(UUID userId, String handle) {
}
