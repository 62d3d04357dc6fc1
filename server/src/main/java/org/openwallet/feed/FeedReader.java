package org.openwallet.feed;

import com.datastax.oss.driver.api.core.DriverException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.openwallet.platform.web.ProblemCode;
import org.openwallet.platform.web.ProblemException;
import org.springframework.stereotype.Service;

/**
 * Reads pages of a timeline, newest first, across its buckets.
 *
 * <p>Keyset pagination on (created_at, transfer_id): a page starts strictly after the last item of
 * the previous one, so items that arrive meanwhile (newer, so before the cursor) never shift the
 * pages; nothing is shown twice and nothing that existed at the first page is skipped. One more
 * item than asked is read to know whether another page exists, so the last page has no cursor and
 * no empty page is ever followed by more items.
 */
@Service
class FeedReader {
    static final int MAX_PAGE_SIZE = 100;

    private final FeedStore store;
    private final FeedCursor cursors;

    FeedReader(FeedStore store, FeedCursor cursors) {
        this.store = store;
        this.cursors = cursors;
    }

    record Page(List<FeedItem> items, String nextCursor) {}

    Page read(Timeline timeline, UUID reader, int limit, String cursor) {
        if (limit < 1 || limit > MAX_PAGE_SIZE) {
            throw new ProblemException(
                    ProblemCode.VALIDATION_FAILED, "limit must be between 1 and " + MAX_PAGE_SIZE + ".");
        }
        FeedStore.Position after = cursor == null ? null : cursors.decode(timeline.kind(), reader, cursor);
        try {
            return page(timeline, reader, limit, after);
        } catch (DriverException unavailable) {
            throw new ProblemException(
                    ProblemCode.FEED_UNAVAILABLE, "The feed cannot be read right now; try again shortly.");
        }
    }

    private Page page(Timeline timeline, UUID reader, int limit, FeedStore.Position after) {
        List<FeedStore.Stored> found = new ArrayList<>();
        Integer bucket = after != null ? Integer.valueOf(after.bucket()) : store.newestBucket(timeline);
        FeedStore.Position scanned = after;
        while (bucket != null && found.size() <= limit) {
            int wanted = limit + 1 - found.size();
            List<FeedStore.Stored> rows = store.page(timeline, bucket, scanned, wanted);
            found.addAll(visible(timeline, reader, rows));
            if (rows.size() < wanted) {
                bucket = store.bucketBefore(timeline, bucket);
                scanned = null;
            } else {
                scanned = rows.getLast().position();
            }
        }
        boolean more = found.size() > limit;
        List<FeedStore.Stored> page = more ? found.subList(0, limit) : found;
        String next =
                more ? cursors.encode(timeline.kind(), reader, page.getLast().position()) : null;
        return new Page(
                page.stream()
                        .map(stored -> withAmountForParty(timeline, reader, stored.item()))
                        .toList(),
                next);
    }

    /**
     * The public timeline holds no amounts; a party reading it gets theirs from their own activity,
     * as in every other timeline.
     */
    private FeedItem withAmountForParty(Timeline timeline, UUID reader, FeedItem item) {
        if (timeline.kind() != Timeline.Kind.PUBLIC || !item.involves(reader)) {
            return item;
        }
        FeedStore.Stored own = store.find(Timeline.activity(reader), item.createdAt(), item.transferId());
        return own == null ? item : own.item();
    }

    /**
     * The rows the reader may see, checked again at read time: a social feed may still hold a row
     * of a friendship that just ended (its clean-up is asynchronous), which must not show.
     */
    private List<FeedStore.Stored> visible(Timeline timeline, UUID reader, List<FeedStore.Stored> rows) {
        return switch (timeline.kind()) {
            case ACTIVITY -> rows;
            case PUBLIC ->
                rows.stream()
                        .filter(row -> Audience.PUBLIC.reaches(row.item().visibility()))
                        .toList();
            case FEED -> {
                Set<UUID> others = new HashSet<>();
                for (FeedStore.Stored row : rows) {
                    if (!row.item().involves(reader)) {
                        others.add(row.item().fromUserId());
                        others.add(row.item().toUserId());
                    }
                }
                Set<UUID> friends = store.friendsAmong(reader, others);
                yield rows.stream()
                        .filter(row -> row.item().involves(reader)
                                || (Audience.FRIENDS.reaches(row.item().visibility())
                                        && (friends.contains(row.item().fromUserId())
                                                || friends.contains(row.item().toUserId()))))
                        .toList();
            }
        };
    }
}
