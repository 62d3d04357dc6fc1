package org.openwallet.identity;

import java.util.UUID;

/**
 * Payload of the {@code user.signed_up} event, version 1 (schema: {@code events/user.signed_up.v1.json}).
 * Published on {@code wallet.user}, keyed by the user.
 */
record UserSignedUp(UUID userId, String handle) {
    static final String TYPE = "user.signed_up";
    static final int VERSION = 1;
}
