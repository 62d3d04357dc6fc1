package org.openwallet.identity;

import java.util.UUID;

/** What other capabilities may know about a user. */
public record UserSummary(UUID id, String handle, String defaultVisibility) {}
