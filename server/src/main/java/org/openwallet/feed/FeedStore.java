package org.openwallet.feed;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchStatementBuilder;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.DefaultBatchType;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.ResultSet;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import org.openwallet.identity.Visibility;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/**
 * The feed's Cassandra tables ({@code db/cassandra/V1__feed.cql}): prepared statements and nothing
 * else. Every write takes an explicit write time in microseconds (the time of the event that causes
 * it), which makes it idempotent and independent of the order events are applied in.
 */
@Component
class FeedStore {
    /** Bucket index rows already written by this process; a lost entry only costs a repeated idempotent write. */
    private static final int KNOWN_BUCKETS_MAX = 100_000;

    private final ObjectProvider<CqlSession> sessions;
    private final Set<String> knownBuckets = ConcurrentHashMap.newKeySet();
    /** Writes in flight from this process, all events together: within what one driver connection takes (1,024 requests). */
    private final Semaphore permits;

    private volatile Statements statements;
    /** Looked up once: a bean factory lookup per statement cost 3 % of the JVM's CPU under load. */
    private volatile CqlSession session;

    FeedStore(ObjectProvider<CqlSession> sessions, FeedProperties properties) {
        this.sessions = sessions;
        this.permits = new Semaphore(properties.maxWritesInFlight());
    }

    /** Where a row sits in its timeline. */
    record Position(int bucket, Instant createdAt, UUID transferId) {}

    record Stored(Position position, FeedItem item) {}

    /** A timeline a transfer was copied into. */
    record Copy(String timeline, int bucket, Instant createdAt) {}

    /** A copy and the write time (microseconds) of the event that made it. */
    record Copied(Copy copy, long writtenAtMicros) {}

    /** A social-feed row that is there because of a friend. */
    record ByFriend(int bucket, Instant createdAt, UUID transferId, UUID counterparty) {}

    private static final String ITEM_COLUMNS =
            "bucket, created_at, transfer_id, from_user_id, from_handle, to_user_id, to_handle, note, visibility, amount, currency";

    private record Statements(
            PreparedStatement insertItem,
            PreparedStatement insertBucket,
            PreparedStatement insertCopy,
            PreparedStatement updateVisibility,
            PreparedStatement deleteItem,
            PreparedStatement deleteCopy,
            PreparedStatement selectCopies,
            PreparedStatement selectNarrowed,
            PreparedStatement insertNarrowed,
            PreparedStatement insertByFriend,
            PreparedStatement selectByFriend,
            PreparedStatement deleteByFriend,
            PreparedStatement insertFriend,
            PreparedStatement deleteFriend,
            PreparedStatement selectFriends,
            PreparedStatement selectFriendsAmong,
            PreparedStatement selectFirstPage,
            PreparedStatement selectPageAfter,
            PreparedStatement selectNewestBucket,
            PreparedStatement selectBucketBefore,
            PreparedStatement selectItem,
            PreparedStatement selectNarrowedAmong) {}

    private Statements statements() {
        Statements prepared = statements;
        if (prepared == null) {
            synchronized (this) {
                if (statements == null) {
                    statements = prepare(session());
                }
                prepared = statements;
            }
        }
        return prepared;
    }

    private CqlSession session() {
        CqlSession resolved = session;
        if (resolved == null) {
            resolved = sessions.getIfAvailable();
            if (resolved == null) {
                throw new IllegalStateException(
                        "this process has no Cassandra session (it runs neither the api nor the feed role)");
            }
            session = resolved;
        }
        return resolved;
    }

    private static Statements prepare(CqlSession session) {
        return new Statements(
                session.prepare("INSERT INTO timeline_items (timeline, " + ITEM_COLUMNS
                        + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) USING TIMESTAMP ?"),
                session.prepare("INSERT INTO timeline_buckets (timeline, bucket) VALUES (?, ?)"),
                session.prepare(
                        "INSERT INTO transfer_copies (transfer_id, timeline, bucket, created_at) VALUES (?, ?, ?, ?) USING TIMESTAMP ?"),
                session.prepare(
                        "UPDATE timeline_items USING TIMESTAMP ? SET visibility = ? WHERE timeline = ? AND bucket = ? AND created_at = ? AND transfer_id = ?"),
                session.prepare(
                        "DELETE FROM timeline_items USING TIMESTAMP ? WHERE timeline = ? AND bucket = ? AND created_at = ? AND transfer_id = ?"),
                session.prepare("DELETE FROM transfer_copies USING TIMESTAMP ? WHERE transfer_id = ? AND timeline = ?"),
                session.prepare(
                        "SELECT timeline, bucket, created_at, WRITETIME(bucket) FROM transfer_copies WHERE transfer_id = ?"),
                session.prepare("SELECT visibility FROM transfer_visibility WHERE transfer_id = ?"),
                session.prepare(
                        "INSERT INTO transfer_visibility (transfer_id, visibility) VALUES (?, ?) USING TIMESTAMP ?"),
                session.prepare(
                        "INSERT INTO feed_items_by_friend (timeline, friend_id, created_at, transfer_id, bucket, counterparty) VALUES (?, ?, ?, ?, ?, ?) USING TIMESTAMP ?"),
                session.prepare(
                        "SELECT created_at, transfer_id, bucket, counterparty FROM feed_items_by_friend WHERE timeline = ? AND friend_id = ?"),
                session.prepare(
                        "DELETE FROM feed_items_by_friend USING TIMESTAMP ? WHERE timeline = ? AND friend_id = ? AND created_at = ? AND transfer_id = ?"),
                session.prepare("INSERT INTO friends (user_id, friend_id, handle) VALUES (?, ?, ?) USING TIMESTAMP ?"),
                session.prepare("DELETE FROM friends USING TIMESTAMP ? WHERE user_id = ? AND friend_id = ?"),
                session.prepare("SELECT friend_id FROM friends WHERE user_id = ?"),
                session.prepare("SELECT friend_id FROM friends WHERE user_id = ? AND friend_id IN ?"),
                session.prepare(
                        "SELECT " + ITEM_COLUMNS + " FROM timeline_items WHERE timeline = ? AND bucket = ? LIMIT ?"),
                session.prepare(
                        "SELECT " + ITEM_COLUMNS
                                + " FROM timeline_items WHERE timeline = ? AND bucket = ? AND (created_at, transfer_id) < (?, ?) LIMIT ?"),
                session.prepare("SELECT bucket FROM timeline_buckets WHERE timeline = ? LIMIT 1"),
                session.prepare("SELECT bucket FROM timeline_buckets WHERE timeline = ? AND bucket < ? LIMIT 1"),
                session.prepare(
                        "SELECT " + ITEM_COLUMNS
                                + " FROM timeline_items WHERE timeline = ? AND bucket = ? AND created_at = ? AND transfer_id = ?"),
                session.prepare("SELECT transfer_id, visibility FROM transfer_visibility WHERE transfer_id IN ?"));
    }

    /**
     * Writes sent together and awaited together, with at most {@code maxWritesInFlight} outstanding
     * in the process: a fan-out to thousands of timelines neither floods the driver nor waits for
     * each row in turn.
     */
    final class Writes {
        private final List<CompletableFuture<?>> sent = new ArrayList<>();

        private CompletableFuture<?> send(Statement<?> statement) {
            permits.acquireUninterruptibly();
            CompletableFuture<?> done = session()
                    .executeAsync(statement)
                    .toCompletableFuture()
                    .whenComplete((result, failure) -> permits.release());
            sent.add(done);
            return done;
        }

        /** Waits for every write; rethrows the first failure (the driver's exception, unwrapped). */
        void await() {
            try {
                CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).join();
            } catch (CompletionException failed) {
                if (failed.getCause() instanceof RuntimeException cause) {
                    throw cause;
                }
                throw failed;
            }
        }
    }

    Writes writes() {
        return new Writes();
    }

    /** Puts {@code item} into {@code timeline}; record the copy with {@link #putCopies}. */
    void putItem(Writes writes, Timeline timeline, FeedItem item, long writeTimeMicros) {
        Statements s = statements();
        String key = timeline.key();
        int bucket = timeline.bucket(item.createdAt());
        writes.send(s.insertItem()
                .bind(
                        key,
                        bucket,
                        item.createdAt(),
                        item.transferId(),
                        item.fromUserId(),
                        item.fromHandle(),
                        item.toUserId(),
                        item.toHandle(),
                        item.note(),
                        item.visibility().toString(),
                        item.amount(),
                        item.currency(),
                        writeTimeMicros));
        String known = key + "#" + bucket;
        if (!knownBuckets.contains(known)) {
            writes.send(s.insertBucket().bind(key, bucket)).thenRun(() -> {
                if (knownBuckets.size() >= KNOWN_BUCKETS_MAX) {
                    knownBuckets.clear();
                }
                knownBuckets.add(known);
            });
        }
    }

    /**
     * Records that {@code item} was copied into {@code timelines}. The rows share one partition, so
     * an unlogged batch of them is one write; batches stay under {@value #COPIES_PER_BATCH} rows, well
     * inside Cassandra's batch size warning (5 KiB).
     */
    void putCopies(Writes writes, FeedItem item, List<Timeline> timelines, long writeTimeMicros) {
        for (int start = 0; start < timelines.size(); start += COPIES_PER_BATCH) {
            BatchStatementBuilder batch = BatchStatement.builder(DefaultBatchType.UNLOGGED);
            for (Timeline timeline : timelines.subList(start, Math.min(timelines.size(), start + COPIES_PER_BATCH))) {
                batch.addStatement(statements()
                        .insertCopy()
                        .bind(
                                item.transferId(),
                                timeline.key(),
                                timeline.bucket(item.createdAt()),
                                item.createdAt(),
                                writeTimeMicros));
            }
            writes.send(batch.build());
        }
    }

    private static final int COPIES_PER_BATCH = 50;

    /** Notes that {@code item} is in {@code feed} (a social feed) because {@code friend} is one of its parties. */
    void putByFriend(Writes writes, Timeline feed, UUID friend, FeedItem item, long writeTimeMicros) {
        UUID counterparty = item.fromUserId().equals(friend) ? item.toUserId() : item.fromUserId();
        writes.send(statements()
                .insertByFriend()
                .bind(
                        feed.key(),
                        friend,
                        item.createdAt(),
                        item.transferId(),
                        feed.bucket(item.createdAt()),
                        counterparty,
                        writeTimeMicros));
    }

    void updateVisibility(Writes writes, Copy copy, UUID transferId, Visibility visibility, long writeTimeMicros) {
        writes.send(statements()
                .updateVisibility()
                .bind(
                        writeTimeMicros,
                        visibility.toString(),
                        copy.timeline(),
                        copy.bucket(),
                        copy.createdAt(),
                        transferId));
    }

    /** Removes a transfer's row from one timeline, and the record of that copy. */
    void deleteItem(Writes writes, Copy copy, UUID transferId, long writeTimeMicros) {
        Statements s = statements();
        writes.send(s.deleteItem().bind(writeTimeMicros, copy.timeline(), copy.bucket(), copy.createdAt(), transferId));
        writes.send(s.deleteCopy().bind(writeTimeMicros, transferId, copy.timeline()));
    }

    void deleteByFriend(Writes writes, Timeline feed, UUID friend, ByFriend row, long writeTimeMicros) {
        writes.send(statements()
                .deleteByFriend()
                .bind(writeTimeMicros, feed.key(), friend, row.createdAt(), row.transferId()));
    }

    List<Copied> copiesOf(UUID transferId) {
        List<Copied> copies = new ArrayList<>();
        for (Row row : session().execute(statements().selectCopies().bind(transferId))) {
            copies.add(new Copied(new Copy(row.getString(0), row.getInt(1), row.getInstant(2)), row.getLong(3)));
        }
        return copies;
    }

    List<ByFriend> byFriend(Timeline feed, UUID friend) {
        List<ByFriend> rows = new ArrayList<>();
        for (Row row : session().execute(statements().selectByFriend().bind(feed.key(), friend))) {
            rows.add(new ByFriend(row.getInt(2), row.getInstant(0), row.getUuid(1), row.getUuid(3)));
        }
        return rows;
    }

    /** The visibility a transfer was narrowed to, or null. */
    Visibility narrowedVisibility(UUID transferId) {
        Row row = session()
                .execute(statements().selectNarrowed().bind(transferId))
                .one();
        return row == null ? null : visibility(row.getString(0));
    }

    /**
     * The visibilities those of {@code transferIds} were narrowed to (absent: not narrowed); one read
     * over a bounded number of partitions (a backfill's page at most).
     */
    Map<UUID, Visibility> narrowedVisibilities(Collection<UUID> transferIds) {
        Map<UUID, Visibility> narrowed = new HashMap<>();
        if (transferIds.isEmpty()) {
            return narrowed;
        }
        for (Row row : session().execute(statements().selectNarrowedAmong().bind(List.copyOf(transferIds)))) {
            narrowed.put(row.getUuid(0), visibility(row.getString(1)));
        }
        return narrowed;
    }

    void putNarrowedVisibility(Writes writes, UUID transferId, Visibility visibility, long writeTimeMicros) {
        writes.send(statements().insertNarrowed().bind(transferId, visibility.toString(), writeTimeMicros));
    }

    void putFriend(Writes writes, UUID user, UUID friend, String friendHandle, long writeTimeMicros) {
        writes.send(statements().insertFriend().bind(user, friend, friendHandle, writeTimeMicros));
    }

    void deleteFriend(Writes writes, UUID user, UUID friend, long writeTimeMicros) {
        writes.send(statements().deleteFriend().bind(writeTimeMicros, user, friend));
    }

    Set<UUID> friendsOf(UUID user) {
        Set<UUID> friends = new HashSet<>();
        for (Row row : session().execute(statements().selectFriends().bind(user))) {
            friends.add(row.getUuid(0));
        }
        return friends;
    }

    /** Which of {@code candidates} are friends of {@code user}: one single-partition read. */
    Set<UUID> friendsAmong(UUID user, Collection<UUID> candidates) {
        Set<UUID> friends = new HashSet<>();
        if (candidates.isEmpty()) {
            return friends;
        }
        for (Row row : session().execute(statements().selectFriendsAmong().bind(user, List.copyOf(candidates)))) {
            friends.add(row.getUuid(0));
        }
        return friends;
    }

    /**
     * Up to {@code limit} rows of one bucket, newest first, older than {@code after} if given. Reads
     * exactly one page: iterating a driver result set would silently fetch the following ones.
     */
    List<Stored> page(Timeline timeline, int bucket, Position after, int limit) {
        Statements s = statements();
        BoundStatement statement = after == null
                ? s.selectFirstPage().bind(timeline.key(), bucket, limit)
                : s.selectPageAfter().bind(timeline.key(), bucket, after.createdAt(), after.transferId(), limit);
        ResultSet rows = session().execute(statement.setPageSize(limit));
        int available = rows.getAvailableWithoutFetching();
        List<Stored> page = new ArrayList<>(available);
        for (int i = 0; i < available; i++) {
            page.add(stored(rows.one()));
        }
        return page;
    }

    /** One row of a timeline, if it is there. */
    Stored find(Timeline timeline, Instant createdAt, UUID transferId) {
        Row row = session()
                .execute(statements()
                        .selectItem()
                        .bind(timeline.key(), timeline.bucket(createdAt), createdAt, transferId))
                .one();
        return row == null ? null : stored(row);
    }

    private static Stored stored(Row row) {
        FeedItem item = new FeedItem(
                row.getUuid("transfer_id"),
                row.getInstant("created_at"),
                row.getUuid("from_user_id"),
                row.getString("from_handle"),
                row.getUuid("to_user_id"),
                row.getString("to_handle"),
                row.getString("note"),
                visibility(row.getString("visibility")),
                row.getString("amount"),
                row.getString("currency"));
        return new Stored(new Position(row.getInt("bucket"), item.createdAt(), item.transferId()), item);
    }

    /** Only the feed writes these rows, and only valid visibilities: any other value is a bug, not data to show. */
    private static Visibility visibility(String stored) {
        return Visibility.fromWire(stored)
                .orElseThrow(() -> new IllegalStateException("the feed store holds an unknown visibility: " + stored));
    }

    /** The newest bucket of the timeline, or null when it is empty. */
    Integer newestBucket(Timeline timeline) {
        Row row = session()
                .execute(statements().selectNewestBucket().bind(timeline.key()))
                .one();
        return row == null ? null : row.getInt(0);
    }

    /** The next older bucket with rows, or null. */
    Integer bucketBefore(Timeline timeline, int bucket) {
        Row row = session()
                .execute(statements().selectBucketBefore().bind(timeline.key(), bucket))
                .one();
        return row == null ? null : row.getInt(0);
    }
}
