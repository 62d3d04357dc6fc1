package org.openwallet.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openwallet.Api;
import org.openwallet.WalletIntegrationTest;
import org.openwallet.platform.EmbeddedRedis;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The Redis fast path in front of the PostgreSQL idempotency records, against the real Redis the
 * wallet runs: what Redis holds decides duplicates on its own, before any database work.
 *
 * <p>The tests write Redis values by hand under keys PostgreSQL has never seen: an answer that
 * can only have come from those values proves Redis answered alone.
 */
class RedisFastPathTest extends WalletIntegrationTest {
    private static final String TRANSFERS = "/v1/transfers";
    private static final String REPLAYED = "Idempotent-Replayed";
    private static final String OPERATION = "transfer.create";

    @Autowired
    EmbeddedRedis embeddedRedis;

    @Autowired
    DataSource dataSource;

    private RedisClient client;
    private StatefulRedisConnection<String, String> connection;
    private RedisCommands<String, String> redis;

    @BeforeEach
    void connectRedis() {
        client = RedisClient.create(embeddedRedis.uri());
        connection = client.connect();
        redis = connection.sync();
    }

    @AfterEach
    void disconnectRedis() {
        connection.close();
        client.shutdown();
    }

    @Test
    void markerWithAnotherFingerprint_is422KeyReused_fromRedisAlone_thoughPostgresNeverSawTheKey() {
        Api.User alice = fundedUser(100_00);
        Api.User bob = api.newUser();
        String inFlight = newKey();
        String done = newKey();
        String foreign = "ab".repeat(32);
        redis.set(redisKey(alice, inFlight), "P|" + foreign + "|someone-else", SetArgs.Builder.px(30_000));
        redis.set(redisKey(alice, done), "D|" + foreign + "|201|{\"id\":\"x\"}", SetArgs.Builder.px(60_000));

        for (String key : new String[] {inFlight, done}) {
            Api.Response reused = api.postRaw(TRANSFERS, alice.token(), key, body(bob, "10.00"));
            assertThat(reused.status()).as(reused.body()).isEqualTo(422);
            assertThat(reused.code()).isEqualTo("idempotency_key_reused");
            assertThat(reused.header(REPLAYED)).isNull();
            assertThat(postgresRecords(alice, key))
                    .as("PostgreSQL idempotency records of " + key)
                    .isZero();
        }
        // The refused requests left the values they were refused on alone.
        assertThat(redis.get(redisKey(alice, inFlight))).isEqualTo("P|" + foreign + "|someone-else");
        assertThat(redis.get(redisKey(alice, done))).startsWith("D|" + foreign + "|");
        assertThat(api.available(alice)).isEqualTo("100.00");
        assertThat(api.available(bob)).isEqualTo("0.00");
        assertThat(p2pTransfersFrom(alice)).isZero();
    }

    @Test
    void doneValueWithTheRightFingerprint_isReplayedFromRedisAlone_withoutPostgresOrANewTransfer() {
        Api.User alice = fundedUser(100_00);
        Api.User bob = api.newUser();
        String body = body(bob, "12.50");
        Api.Response first = api.postRaw(TRANSFERS, alice.token(), newKey(), body);
        assertThat(first.status()).as(first.body()).isEqualTo(201);
        String fingerprint = fingerprintOf(alice, first);

        // A key PostgreSQL has never seen, whose stored answer no server would ever produce.
        String key = newKey();
        redis.set(redisKey(alice, key), "D|" + fingerprint + "|201|{\"x\":1}", SetArgs.Builder.px(60_000));
        Api.Response replay = api.postRaw(TRANSFERS, alice.token(), key, body);

        assertThat(replay.status()).as(replay.body()).isEqualTo(201);
        assertThat(replay.header(REPLAYED)).isEqualTo("true");
        assertThat(replay.body()).isEqualTo("{\"x\":1}");
        assertThat(postgresRecords(alice, key)).isZero();
        assertThat(p2pTransfersFrom(alice)).isEqualTo(1);
        assertThat(api.available(alice)).isEqualTo("87.50");
        assertThat(api.available(bob)).isEqualTo("12.50");

        // A stored business error is replayed the same way, with its status.
        String refusedKey = newKey();
        redis.set(
                redisKey(alice, refusedKey),
                "D|" + fingerprint + "|422|{\"code\":\"insufficient_funds\",\"y\":2}",
                SetArgs.Builder.px(60_000));
        Api.Response refused = api.postRaw(TRANSFERS, alice.token(), refusedKey, body);
        assertThat(refused.status()).isEqualTo(422);
        assertThat(refused.header(REPLAYED)).isEqualTo("true");
        assertThat(refused.body()).isEqualTo("{\"code\":\"insufficient_funds\",\"y\":2}");
        assertThat(postgresRecords(alice, refusedKey)).isZero();
        assertThat(p2pTransfersFrom(alice)).isEqualTo(1);
    }

    @Test
    void inFlightMarkerWithTheRightFingerprint_is409InProgress_movesNoMoney_andOnceGoneTheRequestRuns() {
        Api.User alice = fundedUser(100_00);
        Api.User bob = api.newUser();
        String body = body(bob, "20.00");
        Api.Response first = api.postRaw(TRANSFERS, alice.token(), newKey(), body);
        assertThat(first.status()).as(first.body()).isEqualTo(201);
        String fingerprint = fingerprintOf(alice, first);

        String key = newKey();
        redis.set(redisKey(alice, key), "P|" + fingerprint + "|" + UUID.randomUUID(), SetArgs.Builder.px(30_000));
        for (int attempt = 0; attempt < 3; attempt++) {
            Api.Response busy = api.postRaw(TRANSFERS, alice.token(), key, body);
            assertThat(busy.status()).as(busy.body()).isEqualTo(409);
            assertThat(busy.code()).isEqualTo("idempotency_request_in_progress");
        }
        assertThat(postgresRecords(alice, key)).isZero();
        assertThat(api.available(alice)).isEqualTo("80.00");
        assertThat(api.available(bob)).isEqualTo("20.00");
        assertThat(p2pTransfersFrom(alice)).isEqualTo(1);

        redis.del(redisKey(alice, key));
        Api.Response created = api.postRaw(TRANSFERS, alice.token(), key, body);
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.header(REPLAYED)).isNull();
        assertThat(created.json().get("id").asString())
                .isNotEqualTo(first.json().get("id").asString());
        assertThat(api.available(alice)).isEqualTo("60.00");
        assertThat(api.available(bob)).isEqualTo("40.00");
        assertThat(p2pTransfersFrom(alice)).isEqualTo(2);
    }

    @Test
    void afterA201_redisHoldsTheDoneResponseForTheRetention_andReplaysItByteForByte() {
        Api.User alice = fundedUser(100_00);
        Api.User bob = api.newUser();
        String key = newKey();
        String body = body(bob, "7.25");
        Api.Response first = api.postRaw(TRANSFERS, alice.token(), key, body);
        assertThat(first.status()).as(first.body()).isEqualTo(201);

        String value = redis.get(redisKey(alice, key));
        assertThat(value).startsWith("D|");
        String[] parts = value.split("\\|", 4);
        assertThat(parts[1]).matches("[0-9a-f]{64}");
        assertThat(parts[2]).isEqualTo("201");
        assertThat(parts[3]).isEqualTo(first.body());
        long ttl = redis.pttl(redisKey(alice, key));
        assertThat(ttl)
                .as("PTTL in ms")
                .isBetween(
                        Duration.ofHours(24).minusMinutes(1).toMillis(),
                        Duration.ofHours(24).toMillis());

        Api.Response replay = api.postRaw(TRANSFERS, alice.token(), key, body);
        assertThat(replay.status()).isEqualTo(201);
        assertThat(replay.header(REPLAYED)).isEqualTo("true");
        assertThat(replay.body()).isEqualTo(first.body());
        assertThat(replay.raw().headers().firstValue("Content-Type"))
                .isEqualTo(first.raw().headers().firstValue("Content-Type"));

        // Redis forgets (flush, restart, eviction): PostgreSQL replays the same bytes, and Redis learns them again.
        redis.del(redisKey(alice, key));
        Api.Response fromPostgres = api.postRaw(TRANSFERS, alice.token(), key, body);
        assertThat(fromPostgres.status()).isEqualTo(201);
        assertThat(fromPostgres.header(REPLAYED)).isEqualTo("true");
        assertThat(fromPostgres.body()).isEqualTo(first.body());
        assertThat(redis.get(redisKey(alice, key))).isEqualTo(value);
        assertThat(api.available(alice)).isEqualTo("92.75");
        assertThat(p2pTransfersFrom(alice)).isEqualTo(1);
    }

    @Test
    void requestRefusedByPostgresAsInProgress_releasesItsRedisMarker_soTheRetryIsNotBlockedForItsTtl()
            throws Exception {
        Api.User alice = fundedUser(100_00);
        Api.User bob = api.newUser();
        String key = newKey();
        String body = body(bob, "30.00");

        // Another wallet node holds the key in PostgreSQL without Redis knowing (Redis was flushed meanwhile).
        try (Connection held = dataSource.getConnection()) {
            held.setAutoCommit(false);
            try (PreparedStatement lock =
                    held.prepareStatement("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))")) {
                lock.setString(1, alice.id() + "\n" + OPERATION + "\n" + key);
                lock.execute();
            }
            try {
                Api.Response busy = api.postRaw(TRANSFERS, alice.token(), key, body);
                assertThat(busy.status()).as(busy.body()).isEqualTo(409);
                assertThat(busy.code()).isEqualTo("idempotency_request_in_progress");
                assertThat(redis.exists(redisKey(alice, key)))
                        .as("marker left in Redis")
                        .isZero();
            } finally {
                held.rollback();
            }
        }

        Api.Response created = api.postRaw(TRANSFERS, alice.token(), key, body);
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.header(REPLAYED)).isNull();
        assertThat(redis.get(redisKey(alice, key))).startsWith("D|");
        assertThat(api.available(alice)).isEqualTo("70.00");
        assertThat(p2pTransfersFrom(alice)).isEqualTo(1);
    }

    /** The fingerprint of a request, read from the value the wallet stored in Redis for it. */
    private String fingerprintOf(Api.User sender, Api.Response created) {
        String key =
                created.raw().request().headers().firstValue("Idempotency-Key").orElseThrow();
        String value = redis.get(redisKey(sender, key));
        assertThat(value).as("Redis value of " + key).startsWith("D|");
        return value.split("\\|", 3)[1];
    }

    private long p2pTransfersFrom(Api.User user) {
        return jdbc.sql("SELECT count(*) FROM ledger_transfers WHERE kind = 'p2p' AND from_account_id = ?")
                .param(ledger.walletOf(user.id(), "USD").orElseThrow())
                .query(Long.class)
                .single();
    }

    private long postgresRecords(Api.User user, String key) {
        return jdbc.sql(
                        "SELECT count(*) FROM idempotency_records WHERE user_id = ? AND operation = ? AND idempotency_key = ?")
                .params(user.id(), OPERATION, key)
                .query(Long.class)
                .single();
    }

    private static String redisKey(Api.User user, String key) {
        return "idem:{" + user.id() + "}:" + OPERATION + ":" + key;
    }

    private static String body(Api.User to, String amount) {
        return "{\"to_handle\":\"" + to.handle() + "\",\"amount\":\"" + amount + "\",\"currency\":\"USD\"}";
    }

    private static String newKey() {
        return "redis-" + UUID.randomUUID();
    }
}
