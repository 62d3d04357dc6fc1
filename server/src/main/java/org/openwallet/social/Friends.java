package org.openwallet.social;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.openwallet.identity.UserDirectory;
import org.openwallet.identity.UserRef;
import org.openwallet.outbox.Outbox;
import org.openwallet.platform.Ids;
import org.openwallet.platform.database.Transactions;
import org.openwallet.platform.web.Cursors;
import org.openwallet.platform.web.ProblemCode;
import org.openwallet.platform.web.ProblemException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/**
 * Friend requests and friendships. Every change runs in one transaction that first locks both
 * users' rows (in id order, so two users acting on each other at once queue instead of
 * deadlocking): one open request per pair, a request decided once, and the friend limit hold
 * under any concurrency. Each call is idempotent in effect: asking twice, accepting twice or
 * unfriending twice changes things once and answers alike.
 */
@Service
class Friends {
    static final int MAX_PAGE_SIZE = 100;

    private final Transactions transactions;
    private final JdbcClient jdbc;
    private final UserDirectory users;
    private final Outbox outbox;
    private final Clock clock;
    private final SocialProperties properties;

    Friends(
            Transactions transactions,
            JdbcClient jdbc,
            UserDirectory users,
            Outbox outbox,
            Clock clock,
            SocialProperties properties) {
        this.transactions = transactions;
        this.jdbc = jdbc;
        this.users = users;
        this.outbox = outbox;
        this.clock = clock;
        this.properties = properties;
    }

    record FriendRequest(
            UUID id,
            UUID fromUserId,
            String fromHandle,
            UUID toUserId,
            String toHandle,
            String status,
            Instant createdAt,
            Instant decidedAt) {}

    record Friend(UUID userId, String handle, Instant since) {}

    /** A request and whether this call created it (201) or found or settled an existing one (200). */
    record Outcome(FriendRequest request, boolean created) {}

    record Page<T>(List<T> items, String nextCursor) {}

    /**
     * Asks {@code toHandle} to be friends. Asking again returns the open request; asking someone who
     * already asked you accepts their request, as both want the same thing.
     */
    Outcome request(UUID from, String toHandle) {
        String handle = toHandle == null ? "" : toHandle.toLowerCase(Locale.ROOT);
        if (!handle.matches("[a-z0-9_]{3,30}")) {
            throw new ProblemException(ProblemCode.VALIDATION_FAILED, "to_handle must be 3 to 30 of a-z, 0-9 and _.");
        }
        UserRef to = users.refByHandle(handle)
                .orElseThrow(() -> new ProblemException(ProblemCode.USER_NOT_FOUND, "No user @" + handle + "."));
        if (to.id().equals(from)) {
            throw new ProblemException(
                    ProblemCode.SELF_FRIEND_REQUEST, "You cannot send a friend request to yourself.");
        }
        return transactions.run(() -> {
            lockPair(from, to.id());
            if (areFriends(from, to.id())) {
                throw new ProblemException(
                        ProblemCode.ALREADY_FRIENDS, "You and @" + to.handle() + " are already friends.");
            }
            Optional<FriendRequest> open = pendingBetween(from, to.id());
            if (open.isPresent()) {
                FriendRequest pending = open.get();
                return pending.fromUserId().equals(from)
                        ? new Outcome(pending, false)
                        : new Outcome(accept(pending), false);
            }
            UUID id = Ids.next();
            jdbc.sql(
                            "INSERT INTO friend_requests (id, from_user_id, to_user_id, status, created_at) VALUES (?, ?, ?, 'pending', ?)")
                    .params(id, from, to.id(), Timestamp.from(now()))
                    .update();
            return new Outcome(find(id).orElseThrow(), true);
        });
    }

    /** Accepts a request made to {@code user}; accepting it again returns it unchanged. */
    FriendRequest accept(UUID user, UUID requestId) {
        return transactions.run(() -> {
            FriendRequest request = lockedRequestTo(user, requestId);
            return switch (request.status()) {
                case "accepted" -> request;
                case "declined" ->
                    throw new ProblemException(
                            ProblemCode.FRIEND_REQUEST_CLOSED, "This request was declined; send a new one.");
                default -> accept(request);
            };
        });
    }

    /** Declines a request made to {@code user}; declining it again returns it unchanged. */
    FriendRequest decline(UUID user, UUID requestId) {
        return transactions.run(() -> {
            FriendRequest request = lockedRequestTo(user, requestId);
            return switch (request.status()) {
                case "declined" -> request;
                case "accepted" ->
                    throw new ProblemException(
                            ProblemCode.FRIEND_REQUEST_CLOSED, "This request was accepted; unfriend instead.");
                default -> {
                    jdbc.sql("UPDATE friend_requests SET status = 'declined', decided_at = ? WHERE id = ?")
                            .params(Timestamp.from(now()), request.id())
                            .update();
                    yield find(request.id()).orElseThrow();
                }
            };
        });
    }

    /** Ends a friendship, for both; true if there was one (removing it again changes nothing). */
    boolean unfriend(UUID user, UUID friend) {
        return transactions.run(() -> {
            lockPair(user, friend);
            Optional<Instant> since = jdbc.sql(
                            "DELETE FROM friendships WHERE user_id = ? AND friend_id = ? RETURNING since")
                    .params(user, friend)
                    .query((rs, n) -> rs.getTimestamp(1).toInstant())
                    .optional();
            if (since.isEmpty()) {
                return false;
            }
            jdbc.sql("DELETE FROM friendships WHERE user_id = ? AND friend_id = ?")
                    .params(friend, user)
                    .update();
            jdbc.sql("UPDATE users SET friend_count = friend_count - 1 WHERE id IN (?, ?)")
                    .params(user, friend)
                    .update();
            UUID a = user.compareTo(friend) < 0 ? user : friend;
            UUID b = a.equals(user) ? friend : user;
            String key = FriendshipEvents.pairKey(user, friend);
            outbox.append(new Outbox.Event(
                    FriendshipEvents.AGGREGATE,
                    key,
                    key,
                    FriendshipEvents.REMOVED,
                    FriendshipEvents.VERSION,
                    new FriendshipEvents.Removed(a, b, user, since.get().toString(), now().toString())));
            return true;
        });
    }

    Page<Friend> friends(UUID user, int limit, String cursor) {
        checkLimit(limit);
        UUID after = cursor == null ? null : Cursors.decode(cursor);
        List<Friend> rows = jdbc.sql("""
                        SELECT f.friend_id, u.handle, f.since FROM friendships f JOIN users u ON u.id = f.friend_id
                        WHERE f.user_id = :user AND (CAST(:after AS uuid) IS NULL OR f.friend_id > :after)
                        ORDER BY f.friend_id LIMIT :fetch""")
                .param("user", user)
                .param("after", after)
                .param("fetch", limit + 1)
                .query((rs, n) -> new Friend(
                        (UUID) rs.getObject(1),
                        rs.getString(2),
                        rs.getTimestamp(3).toInstant()))
                .list();
        return page(rows, limit, Friend::userId);
    }

    /** Open requests to ({@code incoming}) or from the user, newest first. */
    Page<FriendRequest> pending(UUID user, boolean incoming, int limit, String cursor) {
        checkLimit(limit);
        UUID before = cursor == null ? null : Cursors.decode(cursor);
        String column = incoming ? "r.to_user_id" : "r.from_user_id";
        List<FriendRequest> rows = jdbc.sql(SELECT_REQUEST + " WHERE " + column + """
                         = :user AND r.status = 'pending' AND (CAST(:before AS uuid) IS NULL OR r.id < :before)
                        ORDER BY r.id DESC LIMIT :fetch""")
                .param("user", user)
                .param("before", before)
                .param("fetch", limit + 1)
                .query((rs, n) -> request(rs))
                .list();
        return page(rows, limit, FriendRequest::id);
    }

    private FriendRequest accept(FriendRequest request) {
        UUID from = request.fromUserId();
        UUID to = request.toUserId();
        int full = jdbc.sql("SELECT count(*) FROM users WHERE id IN (?, ?) AND friend_count >= ?")
                .params(from, to, properties.maxFriends())
                .query(Integer.class)
                .single();
        if (full > 0) {
            throw new ProblemException(
                    ProblemCode.FRIEND_LIMIT_REACHED,
                    "A user may have at most " + properties.maxFriends() + " friends; one of you has reached that.");
        }
        Instant since = now();
        jdbc.sql("INSERT INTO friendships (user_id, friend_id, since) VALUES (?, ?, ?), (?, ?, ?)")
                .params(from, to, Timestamp.from(since), to, from, Timestamp.from(since))
                .update();
        jdbc.sql("UPDATE users SET friend_count = friend_count + 1 WHERE id IN (?, ?)")
                .params(from, to)
                .update();
        jdbc.sql("UPDATE friend_requests SET status = 'accepted', decided_at = ? WHERE id = ?")
                .params(Timestamp.from(since), request.id())
                .update();
        boolean fromFirst = from.compareTo(to) < 0;
        String key = FriendshipEvents.pairKey(from, to);
        outbox.append(new Outbox.Event(
                FriendshipEvents.AGGREGATE,
                key,
                key,
                FriendshipEvents.CREATED,
                FriendshipEvents.VERSION,
                fromFirst
                        ? new FriendshipEvents.Created(
                                from, request.fromHandle(), to, request.toHandle(), since.toString())
                        : new FriendshipEvents.Created(
                                to, request.toHandle(), from, request.fromHandle(), since.toString())));
        return find(request.id()).orElseThrow();
    }

    /** The request, locked with both users, if it was made to {@code user}; others' requests are not found. */
    private FriendRequest lockedRequestTo(UUID user, UUID requestId) {
        FriendRequest request = find(requestId)
                .filter(found -> found.toUserId().equals(user))
                .orElseThrow(() ->
                        new ProblemException(ProblemCode.NOT_FOUND, "No friend request " + requestId + " to you."));
        lockPair(request.fromUserId(), request.toUserId());
        // Read again under the locks: a concurrent accept or decline may have decided it meanwhile.
        return find(requestId).orElseThrow();
    }

    private void lockPair(UUID one, UUID other) {
        jdbc.sql("SELECT id FROM users WHERE id IN (?, ?) ORDER BY id FOR UPDATE")
                .params(one, other)
                .query(UUID.class)
                .list();
    }

    private boolean areFriends(UUID one, UUID other) {
        return jdbc.sql("SELECT EXISTS (SELECT 1 FROM friendships WHERE user_id = ? AND friend_id = ?)")
                .params(one, other)
                .query(Boolean.class)
                .single();
    }

    private Optional<FriendRequest> pendingBetween(UUID one, UUID other) {
        // A plain string: a one-line text block would strip the space before WHERE as indentation.
        return jdbc.sql(
                        SELECT_REQUEST
                                + " WHERE r.status = 'pending' AND ((r.from_user_id = ? AND r.to_user_id = ?) OR (r.from_user_id = ? AND r.to_user_id = ?))")
                .params(one, other, other, one)
                .query((rs, n) -> request(rs))
                .optional();
    }

    private Optional<FriendRequest> find(UUID id) {
        return jdbc.sql(SELECT_REQUEST + " WHERE r.id = ?")
                .param(id)
                .query((rs, n) -> request(rs))
                .optional();
    }

    private static final String SELECT_REQUEST = """
            SELECT r.id, r.from_user_id, fu.handle AS from_handle, r.to_user_id, tu.handle AS to_handle, r.status, r.created_at, r.decided_at
            FROM friend_requests r JOIN users fu ON fu.id = r.from_user_id JOIN users tu ON tu.id = r.to_user_id""";

    private static FriendRequest request(java.sql.ResultSet rs) throws java.sql.SQLException {
        Timestamp decided = rs.getTimestamp("decided_at");
        return new FriendRequest(
                (UUID) rs.getObject("id"),
                (UUID) rs.getObject("from_user_id"),
                rs.getString("from_handle"),
                (UUID) rs.getObject("to_user_id"),
                rs.getString("to_handle"),
                rs.getString("status"),
                rs.getTimestamp("created_at").toInstant(),
                decided == null ? null : decided.toInstant());
    }

    private static <T> Page<T> page(List<T> rows, int limit, java.util.function.Function<T, UUID> position) {
        boolean more = rows.size() > limit;
        List<T> items = more ? rows.subList(0, limit) : rows;
        return new Page<>(items, more ? Cursors.encode(position.apply(items.getLast())) : null);
    }

    private static void checkLimit(int limit) {
        if (limit < 1 || limit > MAX_PAGE_SIZE) {
            throw new ProblemException(
                    ProblemCode.VALIDATION_FAILED, "limit must be between 1 and " + MAX_PAGE_SIZE + ".");
        }
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
