package org.openwallet.platform.database;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Inserts that may wait until the end of a batch of work in one transaction. Inside
 * {@link #during} they are queued and then sent together, one JDBC batch per statement (the driver
 * pipelines it: one round trip for all its rows); outside, each runs at once.
 *
 * <p>Whatever reads rows that may be queued calls {@link #flush} first, so a queued row is never
 * missed: the queue only changes when rows reach the database, never which rows a reader sees.
 * Statements are sent in the order each was first queued, so a row's parent (a transfer) is sent
 * before the rows that refer to it.
 */
@Component
public class DeferredWrites {
    private final JdbcTemplate jdbc;
    private final ThreadLocal<Map<String, List<Object[]>>> queued = new ThreadLocal<>();

    public DeferredWrites(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** Runs {@code work} with writes queued, and sends them when it returns (not when it throws). */
    public <T> T during(Supplier<T> work) {
        if (queued.get() != null) {
            throw new IllegalStateException("DeferredWrites.during must not be nested");
        }
        queued.set(new LinkedHashMap<>());
        try {
            T result = work.get();
            flush();
            return result;
        } finally {
            queued.remove();
        }
    }

    /** Inserts now, or queues the insert when inside {@link #during}. The statement's row count is not returned. */
    public void insert(String sql, Object... params) {
        Map<String, List<Object[]>> waiting = queued.get();
        if (waiting == null) {
            jdbc.update(sql, params);
        } else {
            waiting.computeIfAbsent(sql, statement -> new ArrayList<>()).add(params);
        }
    }

    /** Sends what is queued; to be called before reading rows that may be among it. */
    public void flush() {
        Map<String, List<Object[]>> waiting = queued.get();
        if (waiting == null || waiting.isEmpty()) {
            return;
        }
        for (Map.Entry<String, List<Object[]>> statement : waiting.entrySet()) {
            jdbc.batchUpdate(statement.getKey(), statement.getValue());
        }
        waiting.clear();
    }
}
