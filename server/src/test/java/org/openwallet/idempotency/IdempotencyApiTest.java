package org.openwallet.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.openwallet.Api;
import org.openwallet.LedgerTestSupport;
import org.openwallet.Race;
import org.openwallet.WalletIntegrationTest;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Idempotency-Key semantics of {@code POST /v1/transfers}, end to end over HTTP: a retry never
 * moves money twice, and answers with the first response byte for byte.
 */
class IdempotencyApiTest extends WalletIntegrationTest {
    private static final String TRANSFERS = "/v1/transfers";
    private static final String REPLAYED = "Idempotent-Replayed";

    @Autowired
    DataSource dataSource;

    @Test
    void sameKeyAndBodyFiveTimes_createsOnce_thenReplaysTheIdenticalBytes_andMovesMoneyOnce() {
        Api.User alice = fundedUser(100_00);
        Api.User bob = api.newUser();
        String key = newKey();
        String body = body(bob, "12.50", "lunch");

        Api.Response first = api.postRaw(TRANSFERS, alice.token(), key, body);
        assertThat(first.status()).as(first.body()).isEqualTo(201);
        assertThat(first.header(REPLAYED)).isNull();
        for (int retry = 0; retry < 4; retry++) {
            Api.Response again = api.postRaw(TRANSFERS, alice.token(), key, body);
            assertThat(again.status()).isEqualTo(201);
            assertThat(again.header(REPLAYED)).isEqualTo("true");
            assertThat(again.body()).isEqualTo(first.body());
        }

        assertThat(api.available(alice)).isEqualTo("87.50");
        assertThat(api.available(bob)).isEqualTo("12.50");
        assertThat(p2pTransfersFrom(alice)).isEqualTo(1);
    }

    @Test
    void semanticallyEqualBody_withOtherFormattingFieldOrderAndAmountScale_isReplayed() {
        Api.User alice = fundedUser(100_00);
        Api.User bob = api.newUser();
        String key = newKey();

        Api.Response first = api.postRaw(
                TRANSFERS,
                alice.token(),
                key,
                "{\"to_handle\":\"" + bob.handle() + "\",\"amount\":\"12.50\",\"currency\":\"USD\",\"note\":\"rent\"}");
        Api.Response reformatted = api.postRaw(
                TRANSFERS, alice.token(), key, """
                {
                    "note" : "rent",
                    "currency" : "USD",
                    "amount" : "12.5",
                    "to_handle" : "%s"
                }
                """.formatted(bob.handle().toUpperCase(java.util.Locale.ROOT)));

        assertThat(first.status()).as(first.body()).isEqualTo(201);
        assertThat(reformatted.status()).as(reformatted.body()).isEqualTo(201);
        assertThat(reformatted.header(REPLAYED)).isEqualTo("true");
        assertThat(reformatted.body()).isEqualTo(first.body());
        assertThat(api.available(alice)).isEqualTo("87.50");
        assertThat(api.available(bob)).isEqualTo("12.50");
    }

    @Test
    void sameKeyWithDifferentBody_is422IdempotencyKeyReused_andMovesNoMoney() {
        Api.User alice = fundedUser(100_00);
        Api.User bob = api.newUser();
        Api.User carol = api.newUser();
        String key = newKey();

        Api.Response first = api.postRaw(TRANSFERS, alice.token(), key, body(bob, "12.50", "lunch"));
        assertThat(first.status()).as(first.body()).isEqualTo(201);

        for (String other :
                List.of(body(bob, "13.00", "lunch"), body(bob, "12.50", "dinner"), body(carol, "12.50", "lunch"))) {
            Api.Response reused = api.postRaw(TRANSFERS, alice.token(), key, other);
            assertThat(reused.status()).as(reused.body()).isEqualTo(422);
            assertThat(reused.code()).isEqualTo("idempotency_key_reused");
            assertThat(reused.header(REPLAYED)).isNull();
        }

        assertThat(api.available(alice)).isEqualTo("87.50");
        assertThat(api.available(bob)).isEqualTo("12.50");
        assertThat(api.available(carol)).isEqualTo("0.00");
        assertThat(p2pTransfersFrom(alice)).isEqualTo(1);
        // The stored response is untouched by the refused attempts.
        Api.Response replay = api.postRaw(TRANSFERS, alice.token(), key, body(bob, "12.50", "lunch"));
        assertThat(replay.header(REPLAYED)).isEqualTo("true");
        assertThat(replay.body()).isEqualTo(first.body());
    }

    @Test
    void businessErrorIsRemembered_insufficientFundsReplayedAfterFunding_whileANewKeySucceeds() {
        Api.User alice = api.newUser();
        Api.User bob = api.newUser();
        String key = newKey();
        String body = body(bob, "5.00", null);

        Api.Response refused = api.postRaw(TRANSFERS, alice.token(), key, body);
        assertThat(refused.status()).as(refused.body()).isEqualTo(422);
        assertThat(refused.code()).isEqualTo("insufficient_funds");
        assertThat(refused.header(REPLAYED)).isNull();

        LedgerTestSupport.fund(transactions, ledger, alice.id(), 100_00);

        Api.Response replayed = api.postRaw(TRANSFERS, alice.token(), key, body);
        assertThat(replayed.status()).isEqualTo(422);
        assertThat(replayed.code()).isEqualTo("insufficient_funds");
        assertThat(replayed.header(REPLAYED)).isEqualTo("true");
        assertThat(replayed.body()).isEqualTo(refused.body());
        assertThat(api.available(alice)).isEqualTo("100.00");
        assertThat(api.available(bob)).isEqualTo("0.00");

        Api.Response fresh = api.postRaw(TRANSFERS, alice.token(), newKey(), body);
        assertThat(fresh.status()).as(fresh.body()).isEqualTo(201);
        assertThat(fresh.header(REPLAYED)).isNull();
        assertThat(api.available(alice)).isEqualTo("95.00");
        assertThat(api.available(bob)).isEqualTo("5.00");
    }

    @Test
    void malformedRequestIsNotRemembered_invalidJsonThenValidBodyWithTheSameKeyIsCreated() {
        Api.User alice = fundedUser(100_00);
        Api.User bob = api.newUser();
        String key = newKey();

        Api.Response malformed =
                api.postRaw(TRANSFERS, alice.token(), key, "{\"to_handle\": \"" + bob.handle() + "\", \"amount\": ");
        assertThat(malformed.status()).as(malformed.body()).isEqualTo(400);
        assertThat(malformed.code()).isEqualTo("validation_failed");

        Api.Response valid = api.postRaw(TRANSFERS, alice.token(), key, body(bob, "10.00", null));
        assertThat(valid.status()).as(valid.body()).isEqualTo(201);
        assertThat(valid.header(REPLAYED)).isNull();
        assertThat(api.available(alice)).isEqualTo("90.00");
    }

    @Test
    void invalidRequestIsNotRemembered_unknownFieldThenValidBodyWithTheSameKeyIsCreated() {
        Api.User alice = fundedUser(100_00);
        Api.User bob = api.newUser();
        String key = newKey();

        Api.Response invalid = api.postRaw(
                TRANSFERS,
                alice.token(),
                key,
                "{\"to_handle\":\"" + bob.handle() + "\",\"amount\":\"10.00\",\"currency\":\"USD\",\"tip\":\"1.00\"}");
        assertThat(invalid.status()).as(invalid.body()).isEqualTo(400);
        assertThat(invalid.code()).isEqualTo("validation_failed");

        Api.Response valid = api.postRaw(TRANSFERS, alice.token(), key, body(bob, "10.00", null));
        assertThat(valid.status()).as(valid.body()).isEqualTo(201);
        assertThat(valid.header(REPLAYED)).isNull();
        assertThat(api.available(alice)).isEqualTo("90.00");
    }

    @Test
    void keysAreScopedPerUser_twoUsersWithTheSameKeyStringBothCreate() {
        Api.User alice = fundedUser(100_00);
        Api.User carol = fundedUser(100_00);
        Api.User bob = api.newUser();
        String key = newKey();
        String body = body(bob, "7.00", "same key, other payer");

        Api.Response fromAlice = api.postRaw(TRANSFERS, alice.token(), key, body);
        Api.Response fromCarol = api.postRaw(TRANSFERS, carol.token(), key, body);

        assertThat(fromAlice.status()).as(fromAlice.body()).isEqualTo(201);
        assertThat(fromCarol.status()).as(fromCarol.body()).isEqualTo(201);
        assertThat(fromAlice.header(REPLAYED)).isNull();
        assertThat(fromCarol.header(REPLAYED)).isNull();
        assertThat(fromCarol.json().get("id").asString())
                .isNotEqualTo(fromAlice.json().get("id").asString());
        assertThat(api.available(alice)).isEqualTo("93.00");
        assertThat(api.available(carol)).isEqualTo("93.00");
        assertThat(api.available(bob)).isEqualTo("14.00");
    }

    @Test
    void concurrentRetriesOfOneKey_createExactlyOnce_othersReplayOrAnswer409_andMoneyMovesOnce() throws Exception {
        int clients = 32;
        Api.User alice = fundedUser(100_00);
        Api.User bob = api.newUser();
        String key = newKey();
        String body = body(bob, "25.00", "raced");

        List<Api.Response> responses =
                Race.run(clients, racer -> () -> api.postRaw(TRANSFERS, alice.token(), key, body));

        List<Api.Response> created = responses.stream()
                .filter(r -> r.status() == 201 && r.header(REPLAYED) == null)
                .toList();
        assertThat(created).as("non-replayed 201s").hasSize(1);
        String original = created.get(0).body();
        for (Api.Response response : responses) {
            if (response == created.get(0)) {
                continue;
            }
            if (response.status() == 201) {
                assertThat(response.header(REPLAYED)).isEqualTo("true");
                assertThat(response.body()).isEqualTo(original);
            } else {
                assertThat(response.status()).as(response.body()).isEqualTo(409);
                assertThat(response.code()).isEqualTo("idempotency_request_in_progress");
            }
        }
        System.out.printf(
                "IdempotencyApiTest: %d concurrent retries: 1 created, %d replayed, %d answered 409%n",
                clients,
                responses.stream()
                        .filter(r -> "true".equals(r.header(REPLAYED)))
                        .count(),
                responses.stream().filter(r -> r.status() == 409).count());

        Api.Response later = api.postRaw(TRANSFERS, alice.token(), key, body);
        assertThat(later.status()).isEqualTo(201);
        assertThat(later.header(REPLAYED)).isEqualTo("true");
        assertThat(later.body()).isEqualTo(original);
        assertThat(api.available(alice)).isEqualTo("75.00");
        assertThat(api.available(bob)).isEqualTo("25.00");
        assertThat(p2pTransfersFrom(alice)).isEqualTo(1);
    }

    @Test
    void requestWhileTheKeyIsHeldInFlight_is409InProgress_movesNoMoney_andSucceedsOnceReleased() throws Exception {
        Api.User alice = fundedUser(100_00);
        Api.User bob = api.newUser();
        String key = newKey();
        String body = body(bob, "30.00", null);

        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try (PreparedStatement lock =
                    connection.prepareStatement("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))")) {
                lock.setString(1, alice.id() + "\n" + "transfer.create" + "\n" + key);
                lock.execute();
            }
            try {
                Api.Response busy = api.postRaw(TRANSFERS, alice.token(), key, body);
                assertThat(busy.status()).as(busy.body()).isEqualTo(409);
                assertThat(busy.code()).isEqualTo("idempotency_request_in_progress");
                assertThat(api.available(alice)).isEqualTo("100.00");
                assertThat(api.available(bob)).isEqualTo("0.00");

                // Another key of the same user is not blocked by it.
                Api.Response other = api.postRaw(TRANSFERS, alice.token(), newKey(), body(bob, "1.00", null));
                assertThat(other.status()).as(other.body()).isEqualTo(201);
            } finally {
                connection.rollback();
                connection.setAutoCommit(true);
            }
        }

        Api.Response released = api.postRaw(TRANSFERS, alice.token(), key, body);
        assertThat(released.status()).as(released.body()).isEqualTo(201);
        assertThat(released.header(REPLAYED)).isNull();
        assertThat(api.available(alice)).isEqualTo("69.00");
        assertThat(api.available(bob)).isEqualTo("31.00");
    }

    private long p2pTransfersFrom(Api.User user) {
        return jdbc.sql("SELECT count(*) FROM ledger_transfers WHERE kind = 'p2p' AND from_account_id = ?")
                .param(ledger.walletOf(user.id(), "USD").orElseThrow())
                .query(Long.class)
                .single();
    }

    private static String body(Api.User to, String amount, String note) {
        return "{\"to_handle\":\"" + to.handle() + "\",\"amount\":\"" + amount + "\",\"currency\":\"USD\""
                + (note == null ? "" : ",\"note\":\"" + note + "\"") + "}";
    }

    private static String newKey() {
        return "test-" + UUID.randomUUID();
    }
}
