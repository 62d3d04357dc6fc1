package org.openwallet.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openwallet.Api;
import org.openwallet.Eventually;
import org.openwallet.LedgerTestSupport;
import org.openwallet.OwnDataDirectory;
import org.openwallet.Race;
import org.openwallet.WalletIntegrationTest;
import org.openwallet.idempotency.IdempotencyKeys;
import org.openwallet.idempotency.IdempotencyKeys.StoredResponse;
import org.openwallet.ledger.LedgerVerifier;
import org.openwallet.platform.web.OverloadedException;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.context.TestPropertySource;

/**
 * Group commit: payments sent together share one transaction, yet each is answered for itself. One
 * worker waiting up to 200 ms for a full batch makes concurrent payments land in the same batch.
 *
 * <p>And its bounds: a queue of 32 (room for the 30 payments raced here) and 4 s of waiting for a
 * batch. A test holds a wallet row locked from a connection of its own, as a slow or stuck statement
 * would; the one worker then waits on that lock, with its batch, until the test lets go. The lock
 * timeout is raised above the answer timeout for that: at the shipped 2 s PostgreSQL would end the
 * wait first and free the worker, which is the other bound, tested in {@code DatabaseTimeoutsApiTest}.
 */
@ContextConfiguration(initializers = OwnDataDirectory.class)
@TestPropertySource(
        properties = {
            "test.context=transfer-batches",
            "wallet.transfers.batch.workers=1",
            "wallet.transfers.batch.max-wait=200ms",
            "wallet.transfers.batch.max-size=64",
            "wallet.transfers.batch.queue-capacity=" + TransferBatchesTest.QUEUE_CAPACITY,
            "wallet.transfers.batch.answer-timeout=4s",
            "wallet.database.lock-timeout=30s"
        })
@DirtiesContext
class TransferBatchesTest extends WalletIntegrationTest {
    private static final String EXPLODE = "explode in the database";
    static final int QUEUE_CAPACITY = 32;

    @Autowired
    LedgerVerifier verifier;

    @Autowired
    MeterRegistry meters;

    @Autowired
    TransferBatches batches;

    @Autowired
    IdempotencyKeys idempotency;

    @Autowired
    DataSource dataSource;

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
        assertThat(responses)
                .filteredOn(response -> response.status() != 201)
                .allSatisfy(
                        refused -> assertThat(refused.code()).as(refused.body()).isEqualTo("insufficient_funds"));
        assertThat(api.available(payer)).isEqualTo("0.00");
        assertThat(payees.stream()
                        .mapToLong(payee -> minor(api.available(payee)))
                        .sum())
                .isEqualTo(10_00);
        assertThat(batchCount() - batchesBefore)
                .as("30 payments in fewer transactions than payments")
                .isLessThan(30);
        assertThat(meters.get("wallet.transfers.batch.size").summary().max()).isGreaterThan(1);
        for (Api.Response posted :
                responses.stream().filter(response -> response.status() == 201).toList()) {
            UUID id = UUID.fromString(posted.json().get("id").asString());
            assertThat(count(
                            "SELECT count(*) FROM outbox_events WHERE aggregate_type = 'transfer' AND aggregate_id = ?",
                            id.toString()))
                    .as("its event in the same commit")
                    .isEqualTo(1);
        }
        assertThat(count("SELECT count(*) FROM idempotency_records WHERE user_id = ?", payer.id()))
                .as("every answer remembered")
                .isEqualTo(30);
        assertThat(verifier.verify().problems()).isEmpty();
    }

    @Test
    void aPaymentThatFailsInTheDatabase_failsAlone_andItsBatchNeighboursGoThrough() throws Exception {
        jdbc.sql("""
                CREATE FUNCTION test_explode() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'planted failure'; END $$""").update();
        jdbc.sql("CREATE TRIGGER test_explode BEFORE INSERT ON ledger_transfers FOR EACH ROW WHEN (NEW.note = '"
                        + EXPLODE + "') " + "EXECUTE FUNCTION test_explode()")
                .update();
        Api.User payer = api.newUser();
        LedgerTestSupport.fund(transactions, ledger, payer.id(), 100_00);
        Api.User payee = api.newUser();

        List<Api.Response> responses = Race.run(
                12,
                racer -> () -> racer == 5
                        ? api.post(
                                "/v1/transfers",
                                payer.token(),
                                UUID.randomUUID().toString(),
                                Map.of(
                                        "to_handle",
                                        payee.handle(),
                                        "amount",
                                        "7.00",
                                        "currency",
                                        "USD",
                                        "note",
                                        EXPLODE))
                        : api.pay(payer, payee, "1.00"));

        assertThat(responses.get(5).status()).as(responses.get(5).body()).isEqualTo(500);
        assertThat(responses).filteredOn(response -> response.status() == 201).hasSize(11);
        assertThat(api.available(payer)).isEqualTo("89.00");
        assertThat(api.available(payee)).isEqualTo("11.00");
        assertThat(count("SELECT count(*) FROM idempotency_records WHERE user_id = ?", payer.id()))
                .as("the failed payment is not remembered, so its retry can succeed")
                .isEqualTo(11);
        assertThat(verifier.verify().problems()).isEmpty();
    }

    @Test
    void aKeyRepeatedWithinOneBatch_isAReplayOfItsFirstUse_whoseRecordIsStillQueued() throws Exception {
        UUID sender = api.newUser().id();
        byte[] fingerprint = IdempotencyKeys.fingerprint("repeat");
        IdempotencyKeys.KeyRequest key = new IdempotencyKeys.KeyRequest(sender, "repeated-key", fingerprint);
        double batchesBefore = batchCount();

        List<Transfers.Response> responses = Race.run(
                2,
                racer -> () -> batches.run(new TransferBatches.Payment(
                        sender, null, "USD", key, (batch, claim) -> switch (claim) {
                            case IdempotencyKeys.Claim.Proceed proceed -> {
                                idempotency.complete(
                                        sender,
                                        Transfers.OPERATION,
                                        key.key(),
                                        fingerprint,
                                        new StoredResponse(201, "first".getBytes()));
                                yield new Transfers.Response(201, "first".getBytes(), false);
                            }
                            case IdempotencyKeys.Claim.Replay replay ->
                                new Transfers.Response(
                                        replay.response().status(),
                                        replay.response().body(),
                                        true);
                            default -> throw new AssertionError("unexpected claim " + claim);
                        })));

        assertThat(batchCount() - batchesBefore).as("both in one batch").isEqualTo(1);
        assertThat(responses)
                .filteredOn(Transfers.Response::replayed)
                .singleElement()
                .satisfies(replay -> assertThat(new String(replay.body())).isEqualTo("first"));
        assertThat(count("SELECT count(*) FROM idempotency_records WHERE user_id = ?", sender))
                .isEqualTo(1);
    }

    @Test
    void paymentsWaitingLongerThanTheAnswerTimeout_are503_andTheirRetriesMakeEachExactlyOnce() throws Exception {
        Api.User first = fundedUser();
        Api.User second = fundedUser();
        Api.User payee = api.newUser();
        String firstKey = UUID.randomUUID().toString();
        String secondKey = UUID.randomUUID().toString();

        try (Connection lock = lockWalletOf(first.id())) {
            CompletableFuture<Api.Response> firstAnswer = inBackground(() -> payOneDollar(first, payee, firstKey));
            awaitBatchBlockedBy(lock);
            // The second payment waits in the queue behind the stuck batch; the first is in that batch.
            assertOverloaded(payOneDollar(second, payee, secondKey), TransferBatches.TIMED_OUT);
            assertOverloaded(firstAnswer.get(60, TimeUnit.SECONDS), TransferBatches.TIMED_OUT);
            assertThat(transfersFrom(first) + transfersFrom(second))
                    .as("nothing committed while the wallet is locked")
                    .isZero();
            lock.rollback();
        }

        // The first payment's batch commits now; the second was taken out of the queue and never runs.
        Api.Response firstRetry = retry(() -> payOneDollar(first, payee, firstKey));
        Api.Response secondRetry = retry(() -> payOneDollar(second, payee, secondKey));
        assertThat(firstRetry.status()).as(firstRetry.body()).isEqualTo(201);
        assertThat(firstRetry.header("Idempotent-Replayed"))
                .as("the payment its batch made after the 503")
                .isEqualTo("true");
        assertThat(secondRetry.status()).as(secondRetry.body()).isEqualTo(201);
        assertThat(secondRetry.header("Idempotent-Replayed"))
                .as("made by the retry")
                .isNull();
        assertThat(transferIdsFrom(first))
                .containsExactly(UUID.fromString(firstRetry.json().get("id").asString()));
        assertThat(transferIdsFrom(second))
                .containsExactly(UUID.fromString(secondRetry.json().get("id").asString()));
        assertThat(api.available(first)).isEqualTo("9.00");
        assertThat(api.available(second)).isEqualTo("9.00");
        assertThat(api.available(payee)).isEqualTo("2.00");
        assertThat(verifier.verify().problems()).isEmpty();
    }

    @Test
    void aPaymentFindingTheQueueFull_is503AtOnce_andItsRetryMakesItOnce() throws Exception {
        Api.User blocker = fundedUser();
        Api.User payer = fundedUser();
        Api.User payee = api.newUser();
        String blockerKey = UUID.randomUUID().toString();
        String key = UUID.randomUUID().toString();
        AtomicBoolean done = new AtomicBoolean();
        List<Thread> fillers = new ArrayList<>();

        Api.Response refused;
        try (Connection lock = lockWalletOf(blocker.id())) {
            CompletableFuture<Api.Response> blocked = inBackground(() -> payOneDollar(blocker, payee, blockerKey));
            awaitBatchBlockedBy(lock);
            // Payments that write nothing fill the queue; each filler queues another as soon as one of
            // its own times out, so the queue stays full however slowly this test runs.
            for (int i = 0; i < QUEUE_CAPACITY; i++) {
                fillers.add(Thread.ofVirtual().start(() -> {
                    while (!done.get()) {
                        try {
                            batches.run(nothingToDo());
                        } catch (OverloadedException full) {
                            Eventually.pause(Duration.ofMillis(10));
                        }
                    }
                }));
            }
            await("the queue is full").until(() -> queued() == QUEUE_CAPACITY);

            refused = payOneDollar(payer, payee, key);

            done.set(true);
            lock.rollback();
            blocked.get(60, TimeUnit.SECONDS);
        }
        for (Thread filler : fillers) {
            assertThat(filler.join(Duration.ofSeconds(60))).as("filler done").isTrue();
        }

        assertOverloaded(refused, TransferBatches.QUEUE_FULL);
        assertThat(transfersFrom(payer)).as("the refused payment was not made").isZero();
        Api.Response retried = retry(() -> payOneDollar(payer, payee, key));
        assertThat(retried.status()).as(retried.body()).isEqualTo(201);
        assertThat(retried.header("Idempotent-Replayed")).isNull();
        assertThat(retry(() -> payOneDollar(payer, payee, key)).header("Idempotent-Replayed"))
                .isEqualTo("true");
        assertThat(transferIdsFrom(payer))
                .containsExactly(UUID.fromString(retried.json().get("id").asString()));
        assertThat(retry(() -> payOneDollar(blocker, payee, blockerKey)).status())
                .isEqualTo(201);
        assertThat(transfersFrom(blocker)).isEqualTo(1);
        assertThat(api.available(payee)).isEqualTo("2.00");
        assertThat(verifier.verify().problems()).isEmpty();
    }

    @Test
    void anErrorInAWorker_failsOnlyThePaymentThatThrewIt_andTheWorkerGoesOn() throws Exception {
        Api.User blocker = fundedUser();
        Api.User neighbour = fundedUser();
        Api.User payee = api.newUser();
        UUID sender = api.newUser().id();
        IdempotencyKeys.KeyRequest key = new IdempotencyKeys.KeyRequest(
                sender, UUID.randomUUID().toString(), IdempotencyKeys.fingerprint("overflow"));
        // A real stack overflow on the worker's thread, inside the batch's transaction.
        TransferBatches.Payment overflowing = new TransferBatches.Payment(
                sender, null, "USD", key, (batch, claim) -> new Transfers.Response(201, new byte[recurse(0)], false));

        CompletableFuture<Transfers.Response> overflowed;
        CompletableFuture<Api.Response> neighbourAnswer;
        try (Connection lock = lockWalletOf(blocker.id())) {
            CompletableFuture<Api.Response> blocked = inBackground(() -> api.pay(blocker, payee, "1.00"));
            awaitBatchBlockedBy(lock);
            // Both wait for the worker, so it takes them into one batch once the lock is gone.
            overflowed = inBackground(() -> batches.run(overflowing));
            neighbourAnswer = inBackground(() -> api.pay(neighbour, payee, "1.00"));
            await("both payments queued").until(() -> queued() == 2);
            lock.rollback();
            blocked.get(60, TimeUnit.SECONDS);
        }

        assertThatThrownBy(() -> overflowed.get(60, TimeUnit.SECONDS))
                .as("answered with the failure, not left waiting")
                .hasRootCauseInstanceOf(StackOverflowError.class);
        Api.Response neighbourPaid = neighbourAnswer.get(60, TimeUnit.SECONDS);
        assertThat(neighbourPaid.status()).as(neighbourPaid.body()).isEqualTo(201);
        Api.Response afterwards = api.pay(neighbour, payee, "1.00");
        assertThat(afterwards.status())
                .as("the one worker still takes batches: " + afterwards.body())
                .isEqualTo(201);
        assertThat(api.available(neighbour)).isEqualTo("8.00");
        assertThat(verifier.verify().problems()).isEmpty();
    }

    /** On a thread of its own: the common pool may have fewer threads than there are callers waiting here. */
    private static <T> CompletableFuture<T> inBackground(Supplier<T> caller) {
        return CompletableFuture.supplyAsync(caller, Thread::startVirtualThread);
    }

    private static int recurse(int depth) {
        return recurse(depth + 1) + 1;
    }

    private Api.User fundedUser() {
        Api.User user = api.newUser();
        LedgerTestSupport.fund(transactions, ledger, user.id(), 10_00);
        return user;
    }

    private Api.Response payOneDollar(Api.User from, Api.User to, String key) {
        return api.post(
                "/v1/transfers",
                from.token(),
                key,
                Map.of("to_handle", to.handle(), "amount", "1.00", "currency", "USD"));
    }

    /** A payment of a user without wallets that writes nothing: it only takes a place in the queue. */
    private static TransferBatches.Payment nothingToDo() {
        UUID nobody = UUID.randomUUID();
        return new TransferBatches.Payment(
                nobody,
                null,
                "USD",
                new IdempotencyKeys.KeyRequest(nobody, "filler", new byte[32]),
                (batch, claim) -> new Transfers.Response(204, new byte[0], false));
    }

    /** Retries as a client does on 503 (and on 409 while the first is still running), with the same key. */
    private static Api.Response retry(Supplier<Api.Response> request) {
        AtomicReference<Api.Response> answer = new AtomicReference<>();
        await("an answer other than 503 or 409").until(() -> {
            answer.set(request.get());
            return answer.get().status() != 503 && answer.get().status() != 409;
        });
        return answer.get();
    }

    private static void assertOverloaded(Api.Response response, String reason) {
        assertThat(response.status()).as(response.body()).isEqualTo(503);
        assertThat(response.header("Content-Type")).startsWith("application/problem+json");
        assertThat(response.code()).isEqualTo("service_unavailable");
        assertThat(response.json().get("reason").asString()).isEqualTo(reason);
        assertThat(Long.parseLong(response.header("Retry-After"))).isPositive();
    }

    /** Locks the user's wallet rows in a transaction of the test's own, open until the caller rolls it back. */
    private Connection lockWalletOf(UUID userId) throws SQLException {
        Connection connection = dataSource.getConnection();
        connection.setAutoCommit(false);
        try (PreparedStatement lock = connection.prepareStatement(
                "SELECT id FROM ledger_accounts WHERE kind = 'user_wallet' AND owner_user_id = ? FOR UPDATE")) {
            lock.setObject(1, userId);
            lock.executeQuery().close();
        }
        return connection;
    }

    /** Waits until a statement waits for the lock {@code lock} holds: the worker's batch, which is then fixed. */
    private void awaitBatchBlockedBy(Connection lock) throws SQLException {
        int pid;
        try (PreparedStatement statement = lock.prepareStatement("SELECT pg_backend_pid()");
                ResultSet row = statement.executeQuery()) {
            row.next();
            pid = row.getInt(1);
        }
        await("a batch waits for the locked wallet")
                .until(() ->
                        count("SELECT count(*) FROM pg_stat_activity WHERE ? = ANY(pg_blocking_pids(pid))", pid) == 1);
    }

    private double queued() {
        return meters.get("wallet.transfers.batch.queued").gauge().value();
    }

    private long transfersFrom(Api.User user) {
        return transferIdsFrom(user).size();
    }

    private List<UUID> transferIdsFrom(Api.User user) {
        return jdbc.sql(
                        "SELECT t.id FROM ledger_transfers t JOIN ledger_accounts a ON a.id = t.from_account_id WHERE a.owner_user_id = ? AND t.kind = 'p2p'")
                .param(user.id())
                .query(UUID.class)
                .list();
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
