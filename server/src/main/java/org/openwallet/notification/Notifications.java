package org.openwallet.notification;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.openwallet.platform.Ids;
import org.openwallet.platform.money.Currencies;
import org.openwallet.platform.web.Cursors;
import org.openwallet.platform.web.ProblemCode;
import org.openwallet.platform.web.ProblemException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/** The stored notifications: written by the consumer, read and marked as read by their user. */
@Service
class Notifications {
    static final String TRANSFER_RECEIVED = "transfer_received";
    static final int DEFAULT_PAGE_SIZE = 20;
    static final int MAX_PAGE_SIZE = 100;

    private static final String COLUMNS = """
            id, user_id, kind, transfer_id, actor_user_id, actor_handle, amount_minor, currency, text, created_at, read_at""";

    private final JdbcClient jdbc;
    private final Currencies currencies;
    private final Clock clock;

    Notifications(JdbcClient jdbc, Currencies currencies, Clock clock) {
        this.jdbc = jdbc;
        this.currencies = currencies;
        this.clock = clock;
    }

    /** What a {@code transfer.posted} event tells its receiver. */
    record TransferReceived(
            UUID eventId,
            UUID transferId,
            UUID fromUserId,
            String fromHandle,
            UUID toUserId,
            long amountMinor,
            String currency) {}

    /**
     * Stores the receiver's notification; must run in the consumer's transaction. A second call for
     * the same event changes nothing (the event id is unique), so this is idempotent on its own too.
     */
    void addTransferReceived(TransferReceived received) {
        String text = "@" + received.fromHandle() + " paid you "
                + currencies.require(received.currency()).format(received.amountMinor()) + " " + received.currency();
        jdbc.sql("""
                INSERT INTO notifications (id, user_id, event_id, kind, transfer_id, actor_user_id, actor_handle, amount_minor, currency,
                                           text, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (event_id) DO NOTHING
                """)
                .params(
                        Ids.next(),
                        received.toUserId(),
                        received.eventId(),
                        TRANSFER_RECEIVED,
                        received.transferId(),
                        received.fromUserId(),
                        received.fromHandle(),
                        received.amountMinor(),
                        received.currency(),
                        text,
                        Timestamp.from(clock.instant().truncatedTo(ChronoUnit.MICROS)))
                .update();
    }

    Optional<Notification> findByEvent(UUID eventId) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM notifications WHERE event_id = ?")
                .param(eventId)
                .query(this::map)
                .optional();
    }

    /** One page of the reader's notifications, newest first, and the cursor of the next page if there is one. */
    record Page(List<Notification> items, String nextCursor) {}

    Page page(UUID userId, int limit, String cursor, boolean unreadOnly) {
        if (limit < 1 || limit > MAX_PAGE_SIZE) {
            throw new ProblemException(
                    ProblemCode.VALIDATION_FAILED, "limit must be between 1 and " + MAX_PAGE_SIZE + ".");
        }
        UUID before = cursor == null ? null : Cursors.decode(cursor);
        // One more than asked tells whether another page exists, so the last page has no cursor.
        String sql = "SELECT " + COLUMNS + " FROM notifications WHERE user_id = :user"
                + (before == null ? "" : " AND id < :before")
                + (unreadOnly ? " AND read_at IS NULL" : "")
                + " ORDER BY id DESC LIMIT :fetch";
        JdbcClient.StatementSpec query = jdbc.sql(sql).param("user", userId).param("fetch", limit + 1);
        if (before != null) {
            query = query.param("before", before);
        }
        List<Notification> rows = query.query(this::map).list();
        boolean more = rows.size() > limit;
        List<Notification> page = more ? rows.subList(0, limit) : rows;
        return new Page(page, more ? Cursors.encode(page.getLast().id()) : null);
    }

    /** Marks the reader's notification as read; false when the reader has no such notification. Marking twice keeps the first time. */
    boolean markRead(UUID userId, UUID notificationId) {
        return jdbc.sql("UPDATE notifications SET read_at = coalesce(read_at, ?) WHERE id = ? AND user_id = ?")
                        .params(Timestamp.from(clock.instant().truncatedTo(ChronoUnit.MICROS)), notificationId, userId)
                        .update()
                == 1;
    }

    private Notification map(ResultSet row, int rowNumber) throws SQLException {
        String currency = row.getString("currency");
        long amountMinor = row.getLong("amount_minor");
        String amount = row.wasNull() || currency == null
                ? null
                : currencies.require(currency).format(amountMinor);
        return new Notification(
                row.getObject("id", UUID.class),
                row.getObject("user_id", UUID.class),
                row.getString("kind"),
                row.getObject("transfer_id", UUID.class),
                row.getObject("actor_user_id", UUID.class),
                row.getString("actor_handle"),
                amount,
                currency,
                row.getString("text"),
                row.getTimestamp("created_at").toInstant(),
                row.getTimestamp("read_at") != null);
    }
}
