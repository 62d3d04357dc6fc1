package org.openwallet.identity;

import java.util.Collection;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/** Looks users up by id or handle. Handles are case-insensitive. */
@Service
public class UserDirectory {
    private final JdbcClient jdbc;

    public UserDirectory(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public Optional<UserSummary> findById(UUID id) {
        return jdbc.sql("SELECT id, handle, default_visibility FROM users WHERE id = ?")
                .param(id)
                .query((rs, n) -> new UserSummary((UUID) rs.getObject(1), rs.getString(2), rs.getString(3)))
                .optional();
    }

    public Optional<UserSummary> findByHandle(String handle) {
        return jdbc.sql("SELECT id, handle, default_visibility FROM users WHERE handle = ?")
                .param(normalizeHandle(handle))
                .query((rs, n) -> new UserSummary((UUID) rs.getObject(1), rs.getString(2), rs.getString(3)))
                .optional();
    }

    /** Handles of the given users; ids that name nobody are left out. */
    public Map<UUID, String> handlesOf(Collection<UUID> ids) {
        Map<UUID, String> handles = new HashMap<>();
        if (ids.isEmpty()) {
            return handles;
        }
        jdbc.sql("SELECT id, handle FROM users WHERE id IN (:ids)")
                .param("ids", ids)
                .query(rs -> {
                    handles.put((UUID) rs.getObject(1), rs.getString(2));
                });
        return handles;
    }

    static String normalizeHandle(String handle) {
        return handle.toLowerCase(Locale.ROOT);
    }
}
