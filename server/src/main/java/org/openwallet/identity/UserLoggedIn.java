package org.openwallet.identity;

import java.util.UUID;

/** Published after a successful login, with the IP it came from. */
public record UserLoggedIn(UUID userId, String ip) {}
