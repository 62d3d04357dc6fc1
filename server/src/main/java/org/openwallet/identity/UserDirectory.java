package org.openwallet.identity;

import io.lettuce.core.SetArgs;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import org.openwallet.platform.redis.Redis;
import org.openwallet.platform.redis.RedisUnavailableException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/**
 * Looks users up by id or handle. Handles are case-insensitive.
 *
 * <p>The recipient lookups ({@link #refByHandle}, {@link #refById}) go through a Redis cache. Ids
 * and handles never change once a user exists, so an entry can only be missing, never wrong; only
 * users that exist are cached, and entries expire after {@link #CACHE_TTL} all the same. A change
 * of handle, when the product has one, must delete both entries in the same step.
 */
@Service
public class UserDirectory {
    static final Duration CACHE_TTL = Duration.ofHours(1);

    private final JdbcClient jdbc;
    private final Redis redis;
    private final MeterRegistry meters;

    UserDirectory(JdbcClient jdbc, Redis redis, MeterRegistry meters) {
        this.jdbc = jdbc;
        this.redis = redis;
        this.meters = meters;
    }

    /** The user with this handle, from the cache when it can. */
    public Optional<UserRef> refByHandle(String handle) {
        String normalized = normalizeHandle(handle);
        return cached(
                "user:handle:{" + normalized + "}",
                () -> findByHandle(normalized).map(user -> new UserRef(user.id(), user.handle())));
    }

    /** The user with this id, from the cache when it can. */
    public Optional<UserRef> refById(UUID id) {
        return cached("user:id:{" + id + "}", () -> findById(id).map(user -> new UserRef(user.id(), user.handle())));
    }

    private Optional<UserRef> cached(String key, Supplier<Optional<UserRef>> database) {
        try {
            String hit = redis.call(commands -> commands.get(key));
            if (hit != null) {
                meters.counter("wallet.user_cache", "outcome", "hit").increment();
                int bar = hit.indexOf('|');
                return Optional.of(new UserRef(UUID.fromString(hit.substring(0, bar)), hit.substring(bar + 1)));
            }
        } catch (RedisUnavailableException unavailable) {
            meters.counter("wallet.user_cache", "outcome", "unavailable").increment();
            return database.get();
        }
        meters.counter("wallet.user_cache", "outcome", "miss").increment();
        Optional<UserRef> found = database.get();
        found.ifPresent(user -> {
            try {
                redis.call(commands ->
                        commands.set(key, user.id() + "|" + user.handle(), SetArgs.Builder.ex(CACHE_TTL.toSeconds())));
            } catch (RedisUnavailableException unavailable) {
                // Served from PostgreSQL; the next lookup tries the cache again.
            }
        });
        return found;
    }

    public Optional<UserSummary> findById(UUID id) {
        return jdbc.sql("SELECT id, handle, default_visibility FROM users WHERE id = ?")
                .param(id)
                .query((rs, n) -> new UserSummary((UUID) rs.getObject(1), rs.getString(2), rs.getString(3)))
                .optional();
    }

    /** Sets the visibility of the user's new payments that do not name one. */
    void setDefaultVisibility(UUID id, Visibility visibility) {
        jdbc.sql("UPDATE users SET default_visibility = ? WHERE id = ?")
                .params(visibility.toString(), id)
                .update();
    }

    /** The default visibility of each of the users that exists, in one query. */
    public Map<UUID, String> defaultVisibilities(Collection<UUID> ids) {
        Map<UUID, String> visibilities = new HashMap<>();
        jdbc.sql("SELECT id, default_visibility FROM users WHERE id = ANY(?)")
                .param(ids.toArray(UUID[]::new))
                .query(rs -> {
                    visibilities.put((UUID) rs.getObject(1), rs.getString(2));
                });
        return visibilities;
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
