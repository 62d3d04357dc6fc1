package org.openwallet.feed;

import com.datastax.oss.driver.api.core.CqlIdentifier;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import com.datastax.oss.driver.api.core.cql.ResultSet;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.Resource;
import org.springframework.core.io.ResourceLoader;
import org.springframework.core.io.support.ResourcePatternResolver;
import org.springframework.core.io.support.ResourcePatternUtils;

/**
 * Versioned CQL migrations, the way Flyway runs the ledger's SQL: the scripts
 * {@code V<n>__<description>.cql} in one location ({@code classpath:db/cassandra} by default) are
 * applied once each, in version order, and recorded in the keyspace's {@value #HISTORY_TABLE} table
 * with a checksum. A script changed after it was applied stops the start: the change would never reach
 * the databases that already ran it, so it belongs in a new script.
 *
 * <p>Cassandra has no transactional DDL: a script that fails half way has run its first statements
 * and is not recorded, so it runs again from its start on the next attempt. Scripts should therefore
 * use {@code IF NOT EXISTS} / {@code IF EXISTS} throughout. Statements end with {@code ;};
 * {@code --}, {@code //} and {@code /* *}{@code /} comments are ignored; quoted text may contain
 * either.
 *
 * <p>Several wallet instances may start at once. The one that wins a lightweight-transaction lock
 * row (which expires after {@link #LOCK_TTL} if its holder dies) migrates; the others wait for it,
 * then find nothing left to do. After every statement the runner waits until all nodes agree on
 * the schema, so the next statement, and the feed, see the tables just created.
 */
public final class CassandraSchema {
    private static final Logger log = LoggerFactory.getLogger(CassandraSchema.class);
    static final String HISTORY_TABLE = "schema_migrations";
    static final String LOCK_TABLE = "schema_migration_lock";
    static final Duration LOCK_TTL = Duration.ofSeconds(60);
    /** How long a start waits for another instance's migration before it gives up. */
    static final Duration LOCK_WAIT = Duration.ofMinutes(5);

    private static final Duration LOCK_RETRY = Duration.ofMillis(200);
    /** DDL is slower than the feed's requests: a new table means new files on every replica. */
    private static final Duration STATEMENT_TIMEOUT = Duration.ofSeconds(60);

    private static final Duration SCHEMA_AGREEMENT_WAIT = Duration.ofSeconds(60);
    private static final Pattern SCRIPT_NAME = Pattern.compile("V(\\d{1,9})__(.+)\\.cql");
    private static final Pattern KEYSPACE_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,47}");

    /** One migration script: its version, the description from its name, its text and checksum. */
    public record Script(int version, String description, String text, String checksum) {
        public String name() {
            return "V" + version + "__" + description + ".cql";
        }

        public List<String> statements() {
            return CassandraSchema.statements(text);
        }
    }

    private final String keyspace;
    private final String replication;
    private final List<Script> scripts;
    /** Names this runner in the lock row, so a waiting instance's error can say who holds it. */
    private final String owner = UUID.randomUUID().toString();

    public CassandraSchema(String keyspace, String replication, List<Script> scripts) {
        if (!KEYSPACE_NAME.matcher(keyspace).matches()) {
            throw new IllegalArgumentException(
                    "wallet.cassandra.keyspace must be a letter then up to 47 letters, digits or _; got " + keyspace);
        }
        this.keyspace = keyspace;
        this.replication = replication;
        this.scripts = scripts.stream()
                .sorted(Comparator.comparingInt(Script::version))
                .toList();
        for (int i = 1; i < this.scripts.size(); i++) {
            if (this.scripts.get(i).version() == this.scripts.get(i - 1).version()) {
                throw new IllegalArgumentException("Two Cassandra migration scripts have version "
                        + this.scripts.get(i).version() + ": "
                        + this.scripts.get(i - 1).name() + " and "
                        + this.scripts.get(i).name());
            }
        }
    }

    /** The scripts in {@code location} ({@code classpath:db/cassandra}, {@code file:/path}); every {@code .cql} there must be named {@code V<n>__<description>.cql}. */
    public static List<Script> load(String location, ResourceLoader resourceLoader) {
        ResourcePatternResolver resolver = ResourcePatternUtils.getResourcePatternResolver(resourceLoader);
        String pattern = (location.endsWith("/") ? location : location + "/") + "*.cql";
        List<Script> scripts = new ArrayList<>();
        try {
            if (!resolver.getResource(location).exists()) {
                log.warn("No Cassandra migration scripts: {} does not exist", location);
                return scripts;
            }
            for (Resource resource : resolver.getResources(pattern)) {
                String filename = resource.getFilename();
                Matcher name = SCRIPT_NAME.matcher(filename == null ? "" : filename);
                if (!name.matches()) {
                    throw new IllegalStateException("The Cassandra migration script " + filename + " in " + location
                            + " is not named V<version>__<description>.cql");
                }
                String text;
                try (InputStream input = resource.getInputStream()) {
                    text = new String(input.readAllBytes(), StandardCharsets.UTF_8);
                }
                scripts.add(new Script(Integer.parseInt(name.group(1)), name.group(2), text, checksum(text)));
            }
        } catch (IOException unreadable) {
            throw new IllegalStateException("Cannot read the Cassandra migration scripts in " + location, unreadable);
        }
        return scripts;
    }

    public String keyspace() {
        return keyspace;
    }

    public List<Script> scripts() {
        return scripts;
    }

    /** Creates the keyspace if it is missing; {@code session} may be connected to any keyspace or none. */
    public void createKeyspace(CqlSession session) {
        execute(session, "CREATE KEYSPACE IF NOT EXISTS " + keyspace + " WITH replication = " + replication);
    }

    /**
     * Applies every script not applied yet, in version order, on {@code session}, which must be
     * connected to the keyspace (scripts name their tables without it). Returns the scripts applied by
     * this call; none when another instance got there first.
     *
     * @throws IllegalStateException when an applied script was changed since, or another instance holds
     *                               the lock for longer than {@link #LOCK_WAIT}
     */
    public List<Script> migrate(CqlSession session) {
        if (!session.getKeyspace().map(CqlIdentifier.fromCql(keyspace)::equals).orElse(false)) {
            throw new IllegalArgumentException(
                    "The session must be connected to the keyspace " + keyspace + ", not " + session.getKeyspace());
        }
        createBookkeepingTables(session);
        lock(session);
        try {
            Map<Integer, Row> applied = new HashMap<>();
            for (Row row :
                    session.execute(bookkeeping("SELECT version, description, checksum FROM " + HISTORY_TABLE))) {
                applied.put(row.getInt("version"), row);
            }
            for (Script script : scripts) {
                Row record = applied.get(script.version());
                if (record != null && !script.checksum().equals(record.getString("checksum"))) {
                    throw new IllegalStateException("The Cassandra migration " + script.name()
                            + " was changed after it was applied to keyspace "
                            + keyspace + " (checksum " + record.getString("checksum") + " when applied, "
                            + script.checksum()
                            + " now). Restore it and put the change in a new script V<next>__<description>.cql.");
                }
            }
            List<Script> pending = scripts.stream()
                    .filter(script -> !applied.containsKey(script.version()))
                    .toList();
            for (Script script : pending) {
                apply(session, script);
                renewLock(session);
            }
            List<Integer> unknown = applied.keySet().stream()
                    .filter(version -> scripts.stream().noneMatch(script -> script.version() == version))
                    .sorted()
                    .toList();
            if (!unknown.isEmpty()) {
                // A rolling upgrade: a newer wallet migrated further; its scripts only add to this one's.
                log.info("Cassandra keyspace {}: versions {} were applied by a newer wallet", keyspace, unknown);
            }
            log.info(
                    "Cassandra keyspace {}: {} migration(s) applied now, {} before",
                    keyspace,
                    pending.size(),
                    applied.size());
            return pending;
        } finally {
            unlock(session);
        }
    }

    private void apply(CqlSession session, Script script) {
        long startedAt = System.nanoTime();
        List<String> statements = script.statements();
        for (String statement : statements) {
            try {
                execute(session, statement);
            } catch (RuntimeException failure) {
                throw new IllegalStateException(
                        "The Cassandra migration " + script.name() + " failed at: " + statement
                                + " (its earlier statements have run; it runs again from its start on the next start)",
                        failure);
            }
        }
        session.execute(bookkeeping(
                "INSERT INTO " + HISTORY_TABLE
                        + " (version, description, checksum, applied_at) VALUES (?, ?, ?, toTimestamp(now()))",
                script.version(),
                script.description(),
                script.checksum()));
        log.info(
                "Cassandra keyspace {}: applied {} ({} statements) in {} ms",
                keyspace,
                script.name(),
                statements.size(),
                Duration.ofNanos(System.nanoTime() - startedAt).toMillis());
    }

    /**
     * The history and the lock table are created before anyone holds the lock, possibly by several
     * instances at once. Each gets a fixed table id (derived from its name) so that two coordinators
     * creating it concurrently create the same table rather than two conflicting ones.
     */
    private void createBookkeepingTables(CqlSession session) {
        execute(
                session,
                "CREATE TABLE IF NOT EXISTS " + HISTORY_TABLE
                        + " (version int PRIMARY KEY, description text, checksum text, applied_at timestamp) WITH ID = "
                        + tableId(HISTORY_TABLE));
        execute(
                session,
                "CREATE TABLE IF NOT EXISTS " + LOCK_TABLE
                        + " (name text PRIMARY KEY, owner text, locked_at timestamp) WITH ID = " + tableId(LOCK_TABLE));
    }

    private UUID tableId(String table) {
        return UUID.nameUUIDFromBytes(("openwallet:" + keyspace + "." + table).getBytes(StandardCharsets.UTF_8));
    }

    private void lock(CqlSession session) {
        long deadline = System.nanoTime() + LOCK_WAIT.toNanos();
        boolean waiting = false;
        while (true) {
            ResultSet result = session.execute(serial(
                    "INSERT INTO " + LOCK_TABLE + " (name, owner, locked_at) VALUES ('schema', ?, toTimestamp(now()))"
                            + " IF NOT EXISTS USING TTL ?",
                    owner,
                    (int) LOCK_TTL.toSeconds()));
            if (result.wasApplied()) {
                return;
            }
            Row existing = result.one();
            String holder = existing == null ? null : existing.getString("owner");
            if (!waiting) {
                log.info(
                        "Cassandra keyspace {}: another wallet instance ({}) is migrating the schema; waiting for it",
                        keyspace,
                        holder);
                waiting = true;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Another wallet instance (" + holder
                        + ") has held the Cassandra schema lock of keyspace " + keyspace + " for over " + LOCK_WAIT
                        + "; if none is running, the lock expires " + LOCK_TTL + " after its last renewal");
            }
            try {
                Thread.sleep(LOCK_RETRY.toMillis());
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while waiting for the Cassandra schema lock", interrupted);
            }
        }
    }

    /** Long migrations keep the lock: its time to live starts again after every script. */
    private void renewLock(CqlSession session) {
        ResultSet result = session.execute(serial(
                "UPDATE " + LOCK_TABLE
                        + " USING TTL ? SET locked_at = toTimestamp(now()) WHERE name = 'schema' IF owner = ?",
                (int) LOCK_TTL.toSeconds(),
                owner));
        if (!result.wasApplied()) {
            throw new IllegalStateException("Lost the Cassandra schema lock of keyspace " + keyspace
                    + " while migrating (a script ran longer than " + LOCK_TTL + "); restart to resume");
        }
    }

    private void unlock(CqlSession session) {
        try {
            session.execute(serial("DELETE FROM " + LOCK_TABLE + " WHERE name = 'schema' IF owner = ?", owner));
        } catch (RuntimeException failure) {
            log.warn(
                    "Could not release the Cassandra schema lock of keyspace {}; it expires within {}",
                    keyspace,
                    LOCK_TTL,
                    failure);
        }
    }

    /** Runs one statement with the DDL timeout and waits until every node has its schema change. */
    private void execute(CqlSession session, String cql) {
        ResultSet result = session.execute(SimpleStatement.newInstance(cql).setTimeout(STATEMENT_TIMEOUT));
        if (!result.getExecutionInfo().isSchemaInAgreement()) {
            awaitSchemaAgreement(session);
        }
    }

    private void awaitSchemaAgreement(CqlSession session) {
        long deadline = System.nanoTime() + SCHEMA_AGREEMENT_WAIT.toNanos();
        while (!session.checkSchemaAgreement()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "The Cassandra nodes did not agree on the schema of keyspace " + keyspace + " within "
                                + SCHEMA_AGREEMENT_WAIT + "; check that every node is up (nodetool describecluster)");
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(
                        "Interrupted while waiting for Cassandra schema agreement", interrupted);
            }
        }
    }

    /**
     * The history is read and written at QUORUM, not the feed's LOCAL_QUORUM: an instance starting in
     * another datacenter must see what this one applied.
     */
    private static SimpleStatement bookkeeping(String cql, Object... values) {
        return SimpleStatement.newInstance(cql, values)
                .setConsistencyLevel(DefaultConsistencyLevel.QUORUM)
                .setTimeout(STATEMENT_TIMEOUT);
    }

    /** The lock is a Paxos round over every datacenter (SERIAL), so two datacenters cannot both win it. */
    private static SimpleStatement serial(String cql, Object... values) {
        return bookkeeping(cql, values).setSerialConsistencyLevel(DefaultConsistencyLevel.SERIAL);
    }

    static String checksum(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(text.replace("\r\n", "\n").getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    /**
     * The statements of a script, split on {@code ;} outside quotes ({@code '...'}, {@code "..."},
     * {@code $$...$$}) and comments, which are dropped.
     */
    static List<String> statements(String script) {
        List<String> statements = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        int length = script.length();
        int i = 0;
        while (i < length) {
            char c = script.charAt(i);
            char next = i + 1 < length ? script.charAt(i + 1) : '\0';
            if (c == '\'' || c == '"') {
                int end = i + 1;
                while (end < length) {
                    if (script.charAt(end) == c) {
                        if (end + 1 < length && script.charAt(end + 1) == c) {
                            end += 2;
                            continue;
                        }
                        break;
                    }
                    end++;
                }
                int stop = Math.min(end + 1, length);
                current.append(script, i, stop);
                i = stop;
            } else if (c == '$' && next == '$') {
                int end = script.indexOf("$$", i + 2);
                int stop = end < 0 ? length : end + 2;
                current.append(script, i, stop);
                i = stop;
            } else if ((c == '-' && next == '-') || (c == '/' && next == '/')) {
                int end = script.indexOf('\n', i);
                i = end < 0 ? length : end;
            } else if (c == '/' && next == '*') {
                int end = script.indexOf("*/", i + 2);
                current.append(' ');
                i = end < 0 ? length : end + 2;
            } else if (c == ';') {
                add(statements, current);
                i++;
            } else {
                current.append(c);
                i++;
            }
        }
        add(statements, current);
        return statements;
    }

    private static void add(List<String> statements, StringBuilder current) {
        String statement = current.toString().strip();
        if (!statement.isEmpty()) {
            statements.add(statement);
        }
        current.setLength(0);
    }
}
