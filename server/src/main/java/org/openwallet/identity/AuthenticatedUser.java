package org.openwallet.identity;

import java.util.UUID;
import org.openwallet.audit.Actor;

/**
 * The user a request's bearer token was issued to. Declare it as a controller method parameter.
 * What the user may do beyond their own wallet is not in the token: admin endpoints ask
 * {@link Roles} on every call. {@code sessionId} is the login the token belongs to (see {@link Sessions}).
 */
public record AuthenticatedUser(UUID userId, String handle, UUID sessionId) {
    /** This user as the actor of an audited action. */
    public Actor actor() {
        return Actor.user(userId, handle);
    }
}
