package org.openwallet.identity;

import java.util.Locale;
import java.util.Optional;

/**
 * A role an operator grants to a user. Admins change things (verification tiers, blocks, freezes,
 * re-drives, reconciliation) and read everything; support reads what admins read, except the
 * audit log, and changes nothing.
 */
public enum Role {
    ADMIN,
    SUPPORT;

    /** The name stored in {@code user_roles.role}. */
    public String value() {
        return name().toLowerCase(Locale.ROOT);
    }

    static Optional<Role> parse(String value) {
        for (Role role : values()) {
            if (role.value().equals(value)) {
                return Optional.of(role);
            }
        }
        return Optional.empty();
    }
}
