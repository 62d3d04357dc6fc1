package org.openwallet.audit;

import java.util.UUID;

/**
 * Who did something: a signed-in user (an admin through the API) or an operator at the command line,
 * who has no user id.
 *
 * @param userId the user, or null for an operator
 * @param name   the user's handle, or {@code operator:<name>}
 */
public record Actor(UUID userId, String name) {
    public static Actor user(UUID userId, String handle) {
        return new Actor(userId, handle);
    }

    public static Actor operator(String name) {
        return new Actor(null, "operator:" + name);
    }
}
