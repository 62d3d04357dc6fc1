package org.openwallet.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.openwallet.Api;
import org.openwallet.LedgerTestSupport;
import org.openwallet.WalletIntegrationTest;
import org.springframework.beans.factory.annotation.Autowired;

/** Records are kept for the retention (24 hours by default) and then deleted; a pruned key is new again. */
class IdempotencyRecordPrunerTest extends WalletIntegrationTest {
    @Autowired
    IdempotencyRecordPruner pruner;

    @Test
    void prune_deletesRecordsOlderThanTheRetention_andKeepsYoungerOnes() {
        UUID user = UUID.randomUUID();
        insertRecord(user, "old", "25 hours");
        insertRecord(user, "almost-expired", "23 hours");
        insertRecord(user, "fresh", "0 seconds");

        int deleted = pruner.prune();

        assertThat(deleted).isGreaterThanOrEqualTo(1);
        assertThat(keysOf(user)).containsExactlyInAnyOrder("almost-expired", "fresh");
    }

    @Test
    void prune_worksOffMoreThanOneBatch() {
        UUID user = UUID.randomUUID();
        int old = 12_001;
        jdbc.sql("""
                INSERT INTO idempotency_records (user_id, operation, idempotency_key, fingerprint, response_status, response_body, created_at)
                SELECT ?, 'transfer.create', 'bulk-' || n, '\\x00'::bytea, 201, '{}'::bytea, now() - interval '25 hours'
                  FROM generate_series(1, ?) AS n
                """).params(user, old).update();
        insertRecord(user, "fresh", "0 seconds");

        int deleted = pruner.prune();

        assertThat(deleted).isGreaterThanOrEqualTo(old);
        assertThat(keysOf(user)).containsExactly("fresh");
    }

    @Test
    void keyWhoseRecordWasPruned_isTreatedAsNew() {
        Api.User alice = api.newUser();
        Api.User bob = api.newUser();
        LedgerTestSupport.fund(transactions, ledger, alice.id(), 100_00);
        String key = "test-" + UUID.randomUUID();
        String body = "{\"to_handle\":\"" + bob.handle() + "\",\"amount\":\"10.00\",\"currency\":\"USD\"}";

        Api.Response first = api.postRaw("/v1/transfers", alice.token(), key, body);
        assertThat(first.status()).as(first.body()).isEqualTo(201);
        Api.Response replay = api.postRaw("/v1/transfers", alice.token(), key, body);
        assertThat(replay.header("Idempotent-Replayed")).isEqualTo("true");

        int aged = jdbc.sql(
                        "UPDATE idempotency_records SET created_at = now() - interval '25 hours' WHERE user_id = ? AND idempotency_key = ?")
                .params(alice.id(), key)
                .update();
        assertThat(aged).isEqualTo(1);
        assertThat(pruner.prune()).isGreaterThanOrEqualTo(1);
        assertThat(keysOf(alice.id())).isEmpty();
        // Redis keeps its copy for the same retention (as a TTL); the clock was only moved for PostgreSQL.
        redis.call(commands -> commands.del(IdempotencyFastPath.redisKey(alice.id(), "transfer.create", key)));

        Api.Response again = api.postRaw("/v1/transfers", alice.token(), key, body);
        assertThat(again.status()).as(again.body()).isEqualTo(201);
        assertThat(again.header("Idempotent-Replayed")).isNull();
        assertThat(again.json().get("id").asString())
                .isNotEqualTo(first.json().get("id").asString());
        assertThat(api.available(alice)).isEqualTo("80.00");
        assertThat(api.available(bob)).isEqualTo("20.00");
        // And it is remembered again from now on.
        assertThat(api.postRaw("/v1/transfers", alice.token(), key, body).body())
                .isEqualTo(again.body());
    }

    @Autowired
    org.openwallet.platform.redis.Redis redis;

    private void insertRecord(UUID user, String key, String age) {
        jdbc.sql("""
                INSERT INTO idempotency_records (user_id, operation, idempotency_key, fingerprint, response_status, response_body, created_at)
                VALUES (?, 'transfer.create', ?, '\\x00'::bytea, 201, '{}'::bytea, now() - ?::interval)
                """).params(user, key, age).update();
    }

    private java.util.List<String> keysOf(UUID user) {
        return jdbc.sql("SELECT idempotency_key FROM idempotency_records WHERE user_id = ?")
                .param(user)
                .query(String.class)
                .list();
    }
}
