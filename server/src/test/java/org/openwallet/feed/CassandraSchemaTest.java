package org.openwallet.feed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.openwallet.TestCassandra;
import org.openwallet.platform.config.WalletProperties;
import org.springframework.core.io.DefaultResourceLoader;

/**
 * The Cassandra migration runner, on the test JVM's Cassandra node. Every test runs on a keyspace of
 * its own, so they see nothing of each other or of the wallet's keyspace.
 */
// With the other classes that start Cassandra nodes or load the shared one, one at a time: on two cores, two at once
// time out.
@ResourceLock("cassandra-nodes")
class CassandraSchemaTest {
    private static final String SCRIPTS = "classpath:cassandra-schema/ordered";
    private static final int RUNNERS = 4;

    @Test
    void migrate_appliesEveryScriptInVersionOrderOnce_andARerunAppliesNothing() {
        String keyspace = newKeyspace();
        List<CassandraSchema.Script> scripts = CassandraSchema.load(SCRIPTS, new DefaultResourceLoader());

        List<CassandraSchema.Script> first = migrate(keyspace, scripts);
        List<CassandraSchema.Script> second = migrate(keyspace, scripts);

        assertThat(first).extracting(CassandraSchema.Script::version).containsExactly(1, 2, 10);
        assertThat(second).isEmpty();
        try (CqlSession session = session(keyspace)) {
            assertThat(session.execute("SELECT script FROM runs").all())
                    .extracting(row -> row.getInt("script"))
                    .as("each script ran once")
                    .containsExactlyInAnyOrder(1, 2, 10);
            Row note = session.execute("SELECT body, author FROM notes WHERE id = 5b6962dd-3f90-4c93-8f61-eabb1bb1d2f5")
                    .one();
            assertThat(note.getString("body")).isEqualTo("semicolons; in 'quotes'; -- stay");
            assertThat(note.getString("author")).isEqualTo("migrations");
            List<Row> history = session.execute(
                            "SELECT version, description, checksum, applied_at FROM schema_migrations")
                    .all();
            assertThat(history).extracting(row -> row.getInt("version")).containsExactlyInAnyOrder(1, 2, 10);
            assertThat(history)
                    .extracting(row -> row.getString("description"))
                    .containsExactlyInAnyOrder("notes", "notes_author", "seed");
            assertThat(history).allSatisfy(row -> {
                assertThat(row.getString("checksum")).hasSize(64);
                assertThat(row.getInstant("applied_at")).isNotNull();
            });
            assertThat(session.execute("SELECT * FROM schema_migration_lock").all())
                    .as("the lock is released")
                    .isEmpty();
        }
    }

    @Test
    void migrate_afterAnAppliedScriptChanged_failsNamingIt(@TempDir Path scripts) throws Exception {
        String keyspace = newKeyspace();
        for (String name : List.of("V1__notes.cql", "V2__notes_author.cql", "V10__seed.cql")) {
            Files.copy(Path.of("src/test/resources/cassandra-schema/ordered", name), scripts.resolve(name));
        }
        String location = scripts.toUri().toString();
        migrate(keyspace, CassandraSchema.load(location, new DefaultResourceLoader()));
        Files.writeString(
                scripts.resolve("V2__notes_author.cql"),
                "ALTER TABLE notes ADD IF NOT EXISTS editor text;\n",
                StandardOpenOption.APPEND);

        assertThatThrownBy(() -> migrate(keyspace, CassandraSchema.load(location, new DefaultResourceLoader())))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("V2__notes_author.cql was changed after it was applied to keyspace " + keyspace)
                .hasMessageContaining("new script");
        try (CqlSession session = session(keyspace)) {
            assertThat(session.execute("SELECT * FROM schema_migration_lock").all())
                    .as("the lock is released after a failure")
                    .isEmpty();
        }
    }

    @Test
    void migrate_byInstancesStartingTogether_appliesEachScriptOnce() throws Exception {
        String keyspace = newKeyspace();
        List<CassandraSchema.Script> scripts = CassandraSchema.load(SCRIPTS, new DefaultResourceLoader());
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService instances = Executors.newFixedThreadPool(RUNNERS);
        List<Future<List<CassandraSchema.Script>>> results = new ArrayList<>();
        try {
            for (int i = 0; i < RUNNERS; i++) {
                results.add(instances.submit(() -> {
                    start.await();
                    return migrate(keyspace, scripts);
                }));
            }
            start.countDown();
            List<Integer> applied = new ArrayList<>();
            for (Future<List<CassandraSchema.Script>> result : results) {
                result.get(2, TimeUnit.MINUTES).forEach(script -> applied.add(script.version()));
            }
            assertThat(applied).containsExactlyInAnyOrder(1, 2, 10);
        } finally {
            instances.shutdownNow();
        }
        try (CqlSession session = session(keyspace)) {
            assertThat(session.execute("SELECT script FROM runs").all())
                    .extracting(row -> row.getInt("script"))
                    .containsExactlyInAnyOrder(1, 2, 10);
        }
    }

    @Test
    void load_refusesACqlFileNotNamedLikeAMigration(@TempDir Path scripts) throws Exception {
        Files.writeString(scripts.resolve("V1_notes.cql"), "CREATE TABLE IF NOT EXISTS notes (id uuid PRIMARY KEY);");

        assertThatThrownBy(() -> CassandraSchema.load(scripts.toUri().toString(), new DefaultResourceLoader()))
                .hasMessageContaining("V1_notes.cql")
                .hasMessageContaining("V<version>__<description>.cql");
    }

    @Test
    void load_fromALocationWithoutScripts_findsNone() {
        assertThat(CassandraSchema.load("classpath:cassandra-schema/none", new DefaultResourceLoader()))
                .isEmpty();
    }

    @Test
    void statements_splitOnSemicolonsOutsideQuotesAndComments() {
        String script = """
                -- a comment; with a semicolon
                CREATE TABLE a (id int PRIMARY KEY, "odd;name" text); // trailing; comment
                /* a block; comment */ INSERT INTO a (id, "odd;name") VALUES (1, 'it''s; fine');
                INSERT INTO a (id) VALUES (2)
                """;

        assertThat(CassandraSchema.statements(script))
                .containsExactly(
                        "CREATE TABLE a (id int PRIMARY KEY, \"odd;name\" text)",
                        "INSERT INTO a (id, \"odd;name\") VALUES (1, 'it''s; fine')",
                        "INSERT INTO a (id) VALUES (2)");
    }

    @Test
    void constructor_refusesTwoScriptsOfOneVersion_andAKeyspaceNameThatIsNotAnIdentifier() {
        CassandraSchema.Script one = new CassandraSchema.Script(1, "one", "", CassandraSchema.checksum(""));
        CassandraSchema.Script other = new CassandraSchema.Script(1, "other", "", CassandraSchema.checksum(""));

        assertThatThrownBy(() -> new CassandraSchema("k", TestCassandra.REPLICATION, List.of(one, other)))
                .hasMessageContaining("V1__one.cql")
                .hasMessageContaining("V1__other.cql");
        assertThatThrownBy(
                        () -> new CassandraSchema("wallet; DROP KEYSPACE wallet", TestCassandra.REPLICATION, List.of()))
                .hasMessageContaining("wallet.cassandra.keyspace");
    }

    /** What a wallet does on start: create the keyspace with a session on none, then migrate on it. */
    private static List<CassandraSchema.Script> migrate(String keyspace, List<CassandraSchema.Script> scripts) {
        CassandraSchema schema = new CassandraSchema(keyspace, TestCassandra.REPLICATION, scripts);
        try (CqlSession session = session(null)) {
            schema.createKeyspace(session);
        }
        try (CqlSession session = session(keyspace)) {
            return schema.migrate(session);
        }
    }

    private static CqlSession session(String keyspace) {
        WalletProperties.CassandraSettings settings = new WalletProperties.CassandraSettings(
                TestCassandra.contactPoints(),
                "datacenter1",
                "unused",
                TestCassandra.REPLICATION,
                "LOCAL_QUORUM",
                Duration.ofSeconds(10),
                WalletProperties.CassandraSettings.DEFAULT_SCHEMA_LOCATION,
                null,
                "768m");
        return CassandraConfiguration.connect(List.of(TestCassandra.node().address()), settings, keyspace);
    }

    private static String newKeyspace() {
        return "schema_test_" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
    }
}
