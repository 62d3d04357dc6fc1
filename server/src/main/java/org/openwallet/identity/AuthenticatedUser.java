package org.openwallet.identity;

import java.util.UUID;

/**
 * The user a request's bearer token was issued to. Declare it as a controller method parameter.
 *
 * @param admin whether the token carries the admin role ({@code wallet.admin.handles} at login)
 */
public record AuthenticatedUser(UUID userId, String handle, boolean admin) {
}
