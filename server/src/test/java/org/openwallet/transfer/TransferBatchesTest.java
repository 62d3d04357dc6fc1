package org.openwallet.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openwallet.Api;
import org.openwallet.LedgerTestSupport;
import org.openwallet.OwnDataDirectory;
import org.openwallet.Race;
import org.openwallet.WalletIntegrationTest;
import org.openwallet.idempotency.IdempotencyKeys;
import org.openwallet.idempotency.IdempotencyKeys.StoredResponse;
import org.openwallet.ledger.Ledger;
import org.openwallet.ledger.LedgerVerifier;
import org.openwallet.platform.Transactions;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.context.TestPropertySource;

/**
 * Group commit: payments sent together share one transaction, yet each is answered for itself. One
 * worker waiting up to 200 ms for a full batch makes concurrent payments land in the same batch.
 */
@ContextConfiguration(initializers = OwnDataDirectory.class)
@TestPropertySource(properties = {"test.context=transfer-batches", "wallet.transfers.batch.workers=1",
        "wallet.transfers.batch.max-wait=200ms", "wallet.transfers.batch.max-size=64"})
@DirtiesContext
class TransferBatchesTest extends WalletIntegrationTest {
    private static final String EXPLODE = "explode in the database";

    @Autowired
    Transactions transactions;
    @Autowired
    Ledger ledger;
    @Autowired
    LedgerVerifier verifier;
    @Autowired
    MeterRegistry meters;
    @Autowired
    TransferBatches batches;
    @Autowired
    IdempotencyKeys idempotency;

    @AfterEach
    void removeFault() {
        jdbc.sql("DROP TRIGGER IF EXISTS test_explode ON ledger_transfers").update();
        jdbc.sql("DROP FUNCTION IF EXISTS test_explode()").update();
    }

    @Test
    void paymentsFromOneWalletInOneBatch_spendExactlyItsBalance_andTheRefusedOnesDoNotFailTheOthers() throws Exception {
        Api.User payer = api.newUser();
        LedgerTestSupport.fund(transactions, ledger, payer.id(), 10_00);
        List<Api.User> payees = List.of(api.newUser(), api.newUser(), api.newUser());
        double batchesBefore = batchCount();

        List<Api.Response> responses = Race.run(30, racer -> () -> api.pay(payer, payees.get(racer % 3), "1.00"));

        assertThat(responses).filteredOn(response -> response.status() == 201).hasSize(10);
        assertThat(responses).filteredOn(response -> response.status() != 201)
                .allSatisfy(refused -> assertThat(refused.code()).as(refused.body()).isEqualTo("insufficient_funds"));
        assertThat(api.available(payer)).isEqualTo("0.00");
        assertThat(payees.stream().mapToLong(payee -> minor(api.available(payee))).sum()).isEqualTo(10_00);
        assertThat(batchCount() - batchesBefore).as("30 payments in fewer transactions than payments").isLessThan(30);
        assertThat(meters.get("wallet.transfers.batch.size").summary().max()).isGreaterThan(1);
        for (Api.Response posted : responses.stream().filter(response -> response.status() == 201).toList()) {
            UUID id = UUID.fromString(posted.json().get("id").asString());
            assertThat(count("SELECT count(*) FROM outbox_events WHERE aggregate_type = 'transfer' AND aggregate_id = ?", id.toString()))
                    .as("its event in the same commit").isEqualTo(1);
        }
        assertThat(count("SELECT count(*) FROM idempotency_records WHERE user_id = ?", payer.id())).as("every answer remembered").isEqualTo(30);
        assertThat(verifier.verify().problems()).isEmpty();
    }

    @Test
    void aPaymentThatFailsInTheDatabase_failsAlone_andItsBatchNeighboursGoThrough() throws Exception {
        jdbc.sql("""
                CREATE FUNCTION test_explode() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'planted failure'; END $$""").update();
        jdbc.sql("CREATE TRIGGER test_explode BEFORE INSERT ON ledger_transfers FOR EACH ROW WHEN (NEW.note = '" + EXPLODE + "') "
                + "EXECUTE FUNCTION test_explode()").update();
        Api.User payer = api.newUser();
        LedgerTestSupport.fund(transactions, ledger, payer.id(), 100_00);
        Api.User payee = api.newUser();

        List<Api.Response> responses = Race.run(12, racer -> () -> racer == 5
                ? api.post("/v1/transfers", payer.token(), UUID.randomUUID().toString(),
                        Map.of("to_handle", payee.handle(), "amount", "7.00", "currency", "USD", "note", EXPLODE))
                : api.pay(payer, payee, "1.00"));

        assertThat(responses.get(5).status()).as(responses.get(5).body()).isEqualTo(500);
        assertThat(responses).filteredOn(response -> response.status() == 201).hasSize(11);
        assertThat(api.available(payer)).isEqualTo("89.00");
        assertThat(api.available(payee)).isEqualTo("11.00");
        assertThat(count("SELECT count(*) FROM idempotency_records WHERE user_id = ?", payer.id()))
                .as("the failed payment is not remembered, so its retry can succeed").isEqualTo(11);
        assertThat(verifier.verify().problems()).isEmpty();
    }

    @Test
    void aKeyRepeatedWithinOneBatch_isAReplayOfItsFirstUse_whoseRecordIsStillQueued() throws Exception {
        UUID sender = api.newUser().id();
        byte[] fingerprint = IdempotencyKeys.fingerprint("repeat");
        IdempotencyKeys.KeyRequest key = new IdempotencyKeys.KeyRequest(sender, "repeated-key", fingerprint);
        double batchesBefore = batchCount();

        List<Transfers.Response> responses = Race.run(2, racer -> () -> batches.run(new TransferBatches.Payment(sender, null, "USD", key,
                (batch, claim) -> switch (claim) {
                    case IdempotencyKeys.Claim.Proceed proceed -> {
                        idempotency.complete(sender, Transfers.OPERATION, key.key(), fingerprint, new StoredResponse(201, "first".getBytes()));
                        yield new Transfers.Response(201, "first".getBytes(), false);
                    }
                    case IdempotencyKeys.Claim.Replay replay -> new Transfers.Response(replay.response().status(), replay.response().body(), true);
                    default -> throw new AssertionError("unexpected claim " + claim);
                })));

        assertThat(batchCount() - batchesBefore).as("both in one batch").isEqualTo(1);
        assertThat(responses).filteredOn(Transfers.Response::replayed).singleElement()
                .satisfies(replay -> assertThat(new String(replay.body())).isEqualTo("first"));
        assertThat(count("SELECT count(*) FROM idempotency_records WHERE user_id = ?", sender)).isEqualTo(1);
    }

    private double batchCount() {
        return meters.get("wallet.transfers.batch.size").summary().count();
    }

    private long count(String sql, Object... params) {
        return jdbc.sql(sql).params(params).query(Long.class).single();
    }

    private static long minor(String amount) {
        return new java.math.BigDecimal(amount).movePointRight(2).longValueExact();
    }
}
