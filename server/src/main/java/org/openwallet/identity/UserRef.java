package org.openwallet.identity;

import java.util.UUID;

/** A user's id and handle: all a payment needs to know about its recipient. */
public record UserRef(UUID id, String handle) {}
