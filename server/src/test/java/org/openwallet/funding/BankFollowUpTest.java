package org.openwallet.funding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.openwallet.Api;
import org.openwallet.LedgerTestSupport;
import org.openwallet.OwnDataDirectory;
import org.openwallet.Race;
import org.openwallet.WalletIntegrationTest;
import org.openwallet.identity.Role;
import org.openwallet.identity.Roles;
import org.openwallet.ledger.LedgerVerifier;
import org.openwallet.platform.EmbeddedBankSimulator;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The bank submission never stalls and no outcome waits for reconciliation: a request whose
 * submission throws backs off on its own and fails after a few attempts with its hold released; a
 * bank that already holds our order answers "accepted" in effect; an overdue request is asked
 * about, and its answer is held to the same rules as a webhook; a dead-lettered bank event is
 * re-driven once. Against the real bank simulator, in a context of its own (short backoffs, a
 * one-second overdue time, a sweep batch of one).
 */
@ContextConfiguration(initializers = OwnDataDirectory.class)
@TestPropertySource(
        properties = {
            "test.context=bank-follow-up",
            "wallet.funding.sweep-interval=200ms",
            "wallet.funding.submission.backoff-initial=2s",
            "wallet.funding.submission.backoff-max=4s",
            "wallet.funding.submission.max-failures=3",
            "wallet.funding.submission.sweep-batch=1",
            "wallet.funding.submission.overdue-after=1s",
            "wallet.funding.submission.status-query-every=1s",
            "wallet.funding.status-query-interval=300ms"
        })
@DirtiesContext
class BankFollowUpTest extends WalletIntegrationTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Autowired
    EmbeddedBankSimulator bank;

    @Autowired
    LedgerVerifier verifier;

    @Autowired
    BankSubmitter submitter;

    @Autowired
    BankEventsPublisher publisher;

    @Autowired
    MeterRegistry meters;

    @Autowired
    Roles roles;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void aSubmissionThatKeepsThrowing_backsOffWithoutBlockingOthers_thenFailsWithTheHoldAndFeeReleased() {
        FundingClient funding = new FundingClient(api, jdbc, bank);
        Api.User poisoned = api.newUser();
        LedgerTestSupport.fund(transactions, ledger, poisoned.id(), 50_000);
        UUID undecryptable = funding.link(poisoned);
        // The sealed account number no longer opens (a lost or rotated key): every submission throws.
        jdbc.sql(
                        "UPDATE bank_accounts SET account_number_sealed = decode('00112233445566778899aabbccddeeff0011223344556677', 'hex') WHERE id = ?")
                .param(undecryptable)
                .update();
        double abandonedBefore =
                meters.counter("wallet.funding.submissions.abandoned").count();

        UUID stuck = funding.pendingWithdrawal(poisoned, undecryptable, "100.00", "instant");
        assertThat(api.available(poisoned)).as("amount and instant fee held").isEqualTo("398.25");
        await("the first submission failed")
                .until(() -> submission(stuck).get("submit_failures").asInt() >= 1);

        // While it backs off it is not due, so it cannot occupy the sweep's batch (of one here).
        Instant beforeQuery = Instant.now();
        List<UUID> due = submitter.dueForSubmission();
        Instant nextAttempt =
                Instant.parse(submission(stuck).get("next_attempt_at").asString());
        if (nextAttempt.isAfter(beforeQuery)) {
            assertThat(due).as("a request backing off is not swept").doesNotContain(stuck);
        }

        // A newer request whose bank answer was lost is swept meanwhile, and the bank's replay is taken as accepted.
        Api.User healthy = api.newUser();
        UUID account = funding.link(healthy);
        UUID deposit = funding.pendingDeposit(healthy, account, "25.00");
        awaitSubmitted(deposit);
        String bankTransferId = submission(deposit).get("bank_transfer_id").asString();
        loseTheBanksAnswer(deposit);
        awaitSubmitted(deposit);
        assertThat(submission(deposit).get("bank_transfer_id").asString())
                .as("the bank replayed the same transfer")
                .isEqualTo(bankTransferId);
        assertThat(funding.request(healthy, "deposits", deposit).get("status").asString())
                .isEqualTo("pending");

        JsonNode failed = funding.awaitStatus(poisoned, "withdrawals", stuck, "failed");
        assertThat(failed.get("reason_code").asString()).isEqualTo(BankSubmitter.SUBMISSION_FAILED);
        JsonNode attempts = submission(stuck);
        assertThat(attempts.get("submit_failures").asInt())
                .as("bounded: exactly max-failures attempts")
                .isEqualTo(3);
        assertThat(attempts.get("submit_attempts").asInt()).isEqualTo(3);
        assertThat(api.available(poisoned))
                .as("the hold and the instant fee are returned")
                .isEqualTo("500.00");
        assertThat(meters.counter("wallet.funding.submissions.abandoned").count())
                .isEqualTo(abandonedBefore + 1);
        assertThat(verifier.verify().ok()).isTrue();
    }

    @Test
    void theBanksDuplicateRequestAnswer_isTakenAsAccepted_notAsARefusal_andTheOrderStillSettles() {
        FundingClient funding = new FundingClient(api, jdbc, bank);
        Api.User user = api.newUser();
        UUID account = funding.link(user);
        UUID deposit = funding.pendingDeposit(user, account, "25.00");
        awaitSubmitted(deposit);
        String bankTransferId = submission(deposit).get("bank_transfer_id").asString();

        // The bank holds our order; its answer is lost; by the time we send again a field has changed,
        // so the bank answers 422 idempotency_conflict: "this request id is a transfer I already have".
        jdbc.sql("UPDATE bank_accounts SET holder_name = 'Renamed Holder' WHERE id = ?")
                .param(account)
                .update();
        loseTheBanksAnswer(deposit);
        awaitSubmitted(deposit);

        assertThat(submission(deposit).get("bank_transfer_id").asString())
                .as("the order the bank holds")
                .isEqualTo(bankTransferId);
        assertThat(funding.request(user, "deposits", deposit).get("status").asString())
                .as("not refused, not refunded")
                .isEqualTo("pending");
        assertThat(meters.counter("wallet.funding.submissions.duplicate").count())
                .isPositive();

        bankAdmin("/admin/clock/advance", Map.of("seconds", Duration.ofHours(2).toSeconds()));
        funding.awaitStatus(user, "deposits", deposit, "settled");
        assertThat(funding.balance(user)).isEqualTo(new FundingClient.Balance("25.00", "0.00"));
    }

    @Test
    void anOverdueRequest_isAskedAbout_andItsLateWebhookChangesNothing() {
        FundingClient funding = new FundingClient(api, jdbc, bank);
        Api.User user = api.newUser();
        UUID account = funding.link(user);
        UUID deposit = funding.pendingDeposit(user, account, "40.00");
        awaitSubmitted(deposit);

        String webhookUrl = bankAdmin("/admin/config", null).get("webhook_url").asString();
        bankAdmin(
                "/admin/config",
                Map.of(
                        "webhook_url",
                        "http://127.0.0.1:9/nobody-listens",
                        "webhook_retry_initial_millis",
                        100,
                        "webhook_retry_max_millis",
                        500));
        try {
            // The bank settles it; its webhook cannot be delivered.
            bankAdmin(
                    "/admin/clock/advance",
                    Map.of("seconds", Duration.ofHours(2).toSeconds()));
            funding.awaitStatus(user, "deposits", deposit, "settled");
            assertThat(jdbc.sql(
                                    "SELECT bank_event_id FROM funding_transitions WHERE request_id = ? AND to_status = 'settled'")
                            .param(deposit)
                            .query(String.class)
                            .single())
                    .startsWith(OverdueRequests.SOURCE_PREFIX);
            assertThat(funding.balance(user)).isEqualTo(new FundingClient.Balance("40.00", "0.00"));
        } finally {
            bankAdmin("/admin/config", Map.of("webhook_url", webhookUrl));
        }

        // Now the webhook arrives after all, and the consumer finds the request decided.
        awaitEveryWebhookConsumed();
        assertThat(funding.balance(user)).isEqualTo(new FundingClient.Balance("40.00", "0.00"));
        assertThat(jdbc.sql("SELECT count(*) FROM funding_transitions WHERE request_id = ? AND to_status = 'settled'")
                        .param(deposit)
                        .query(Integer.class)
                        .single())
                .isEqualTo(1);
        assertThat(verifier.verify().ok()).isTrue();
    }

    @Test
    void anOverdueRequest_whoseBankStatusDoesNotMatchIt_isFlaggedLikeAWebhook_andStaysPending() {
        FundingClient funding = new FundingClient(api, jdbc, bank);
        Api.User user = api.newUser();
        UUID account = funding.link(user);
        UUID deposit = funding.pendingDeposit(user, account, "40.00");
        awaitSubmitted(deposit);
        String queried = OverdueRequests.SOURCE_PREFIX
                + submission(deposit).get("bank_transfer_id").asString();
        double mismatchesBefore = meters.counter("wallet.funding.status_queries", "result", "mismatch")
                .count();
        // As if the wallet had asked for 41.00: the bank's 40.00 (in its status answer and in its webhook) must settle
        // nothing.
        jdbc.sql("UPDATE funding_requests SET amount_minor = amount_minor + 100 WHERE id = ?")
                .param(deposit)
                .update();

        bankAdmin("/admin/clock/advance", Map.of("seconds", Duration.ofHours(2).toSeconds()));
        await("the status answer flagged")
                .until(() -> jdbc.sql("SELECT count(*) FROM flagged_bank_events WHERE event_id = ?")
                                .param(queried)
                                .query(Integer.class)
                                .single()
                        == 1);

        assertThat(jdbc.sql("SELECT mismatch FROM flagged_bank_events WHERE event_id = ?")
                        .param(queried)
                        .query(String.class)
                        .single())
                .isEqualTo("amount");
        assertThat(meters.counter("wallet.funding.status_queries", "result", "mismatch")
                        .count())
                .isGreaterThan(mismatchesBefore);
        assertThat(funding.request(user, "deposits", deposit).get("status").asString())
                .isEqualTo("pending");

        // Once the request and the bank agree again, the next status query settles it.
        jdbc.sql("UPDATE funding_requests SET amount_minor = amount_minor - 100 WHERE id = ?")
                .param(deposit)
                .update();
        funding.awaitStatus(user, "deposits", deposit, "settled");
        assertThat(funding.balance(user)).isEqualTo(new FundingClient.Balance("40.00", "0.00"));
        assertThat(jdbc.sql("SELECT count(*) FROM flagged_bank_events WHERE event_id = ?")
                        .param(queried)
                        .query(Integer.class)
                        .single())
                .as("flagged once, not once per query")
                .isEqualTo(1);
    }

    @Test
    void aDeadLetteredBankEvent_isListed_andReDrivenExactlyOnce_evenConcurrently_andAudited() throws Exception {
        FundingClient funding = new FundingClient(api, jdbc, bank);
        Api.User admin = api.newUserWithRole(roles, Role.ADMIN);
        Api.User user = api.newUser();
        UUID account = funding.link(user);

        // A poison event (a request this wallet never made) goes through the real consumer to the dead letters.
        UUID unknownRequest = UUID.randomUUID();
        String poison = envelope(BankWebhookSender.newEventId(), unknownRequest, "1.00", "bt_unknown");
        assertThat(publisher.publish(unknownRequest.toString(), poison)).isTrue();
        await("the poison event dead-lettered").until(() -> deadLetterIdOf(admin, unknownRequest) != null);
        String poisonId = deadLetterIdOf(admin, unknownRequest);
        Api.Response stillFailing =
                api.post("/v1/admin/bank-events/dead-letters/" + poisonId + "/redrive", admin.token(), null, Map.of());
        assertThat(stillFailing.status()).as(stillFailing.body()).isEqualTo(422);
        assertThat(stillFailing.code()).isEqualTo("dead_letter_still_failing");
        assertThat(api.post("/v1/admin/bank-events/dead-letters/" + poisonId + "/redrive", user.token(), null, Map.of())
                        .code())
                .isEqualTo("forbidden");

        // A dead letter that can be applied now (its cause fixed), as the consumer recorded it.
        UUID deposit = funding.pendingDeposit(user, account, "30.00");
        awaitSubmitted(deposit);
        UUID deadLetter = recordDeadLetter(envelope(
                BankWebhookSender.newEventId(),
                deposit,
                "30.00",
                submission(deposit).get("bank_transfer_id").asString()));
        List<Api.Response> redrives = Race.run(
                8,
                racer -> () -> api.post(
                        "/v1/admin/bank-events/dead-letters/" + deadLetter + "/redrive",
                        admin.token(),
                        null,
                        Map.of()));

        assertThat(redrives)
                .allSatisfy(response ->
                        assertThat(response.status()).as(response.body()).isEqualTo(200));
        assertThat(redrives.stream()
                        .map(response -> response.json().get("result").asString()))
                .containsOnlyOnce("applied")
                .containsOnly("applied", "already_redriven");
        assertThat(funding.request(user, "deposits", deposit).get("status").asString())
                .isEqualTo("settled");
        assertThat(funding.balance(user)).isEqualTo(new FundingClient.Balance("30.00", "0.00"));
        Api.Response again = api.post(
                "/v1/admin/bank-events/dead-letters/" + deadLetter + "/redrive", admin.token(), null, Map.of());
        assertThat(again.json().get("result").asString()).isEqualTo("already_redriven");
        assertThat(again.json().get("dead_letter").get("redriven_by").asString())
                .isEqualTo(admin.id().toString());
        assertThat(jdbc.sql("SELECT count(*) FROM audit_log WHERE action = 'bank_event.redriven' AND target_id = ?")
                        .param(deadLetter.toString())
                        .query(Integer.class)
                        .single())
                .isEqualTo(1);

        // An event the consumer applied itself, dead-lettered as well (a redelivery): the re-drive applies nothing
        // again.
        UUID second = funding.pendingDeposit(user, account, "5.00");
        awaitSubmitted(second);
        String applied = envelope(
                BankWebhookSender.newEventId(),
                second,
                "5.00",
                submission(second).get("bank_transfer_id").asString());
        assertThat(publisher.publish(second.toString(), applied)).isTrue();
        funding.awaitStatus(user, "deposits", second, "settled");
        UUID duplicate = recordDeadLetter(applied);
        Api.Response noop =
                api.post("/v1/admin/bank-events/dead-letters/" + duplicate + "/redrive", admin.token(), null, Map.of());
        assertThat(noop.json().get("result").asString()).as(noop.body()).isEqualTo("already_applied");
        assertThat(funding.balance(user)).isEqualTo(new FundingClient.Balance("35.00", "0.00"));
        assertThat(verifier.verify().ok()).isTrue();
    }

    /** The request's submission bookkeeping, as JSON. */
    private JsonNode submission(UUID requestId) {
        return JSON.readTree(jdbc.sql("""
                SELECT json_build_object('submit_attempts', submit_attempts, 'submit_failures', submit_failures,
                       'next_attempt_at', to_char(next_attempt_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                       'bank_transfer_id', bank_transfer_id, 'submitted', submitted_at IS NOT NULL)::text
                  FROM funding_requests WHERE id = ?""").param(requestId).query(String.class).single());
    }

    private void awaitSubmitted(UUID requestId) {
        await("request " + requestId + " accepted by the bank")
                .until(() -> submission(requestId).get("submitted").asBoolean());
    }

    /** As if the bank's 202 never reached us: the request waits to be sent again, due now. */
    private void loseTheBanksAnswer(UUID requestId) {
        jdbc.sql(
                        "UPDATE funding_requests SET submitted_at = NULL, bank_transfer_id = NULL, next_attempt_at = ? WHERE id = ?")
                .params(Timestamp.from(Instant.now()), requestId)
                .update();
    }

    /** A bank event (the wallet's envelope around it, as the webhook listener writes it) settling {@code requestId}. */
    private static String envelope(String bankEventId, UUID requestId, String amount, String bankTransferId) {
        Map<String, Object> envelope = new LinkedHashMap<>();
        envelope.put("id", envelopeId(bankEventId).toString());
        envelope.put("type", "bank.transfer.settled");
        envelope.put("version", 1);
        envelope.put("occurred_at", Instant.now().toString());
        envelope.put("producer", "bank");
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("event_id", bankEventId);
        event.put("type", "transfer.settled");
        event.put("bank_transfer_id", bankTransferId);
        event.put("request_id", requestId.toString());
        event.put("direction", "debit");
        event.put("amount", amount);
        event.put("currency", "USD");
        event.put("reason_code", null);
        event.put("occurred_at", Instant.now().toString());
        envelope.put("payload", event);
        return JSON.writeValueAsString(envelope);
    }

    private static UUID envelopeId(String bankEventId) {
        return UUID.nameUUIDFromBytes(("bank:" + bankEventId).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Records a dead letter as the consumer does when it dead-letters a record (at an offset no real record has). */
    private UUID recordDeadLetter(String value) {
        UUID id = UUID.randomUUID();
        jdbc.sql("""
                INSERT INTO dead_letters (id, consumer, topic, kafka_partition, kafka_offset, record_key, record_value, error, dead_at)
                VALUES (?, 'funding', 'bank.events', 0, ?, NULL, ?, 'test: the handler failed', now())""")
                .params(id, -Math.abs(id.getLeastSignificantBits() % 1_000_000_000L) - 1, value)
                .update();
        return id;
    }

    private String deadLetterIdOf(Api.User admin, UUID requestId) {
        Api.Response list = api.get("/v1/admin/bank-events/dead-letters?limit=100", admin.token());
        assertThat(list.status()).as(list.body()).isEqualTo(200);
        for (JsonNode item : list.json().get("items")) {
            if (item.get("value").asString().contains(requestId.toString())) {
                return item.get("id").asString();
            }
        }
        return null;
    }

    /** Every event the bank had for us was delivered, and every one the wallet received was consumed. */
    private void awaitEveryWebhookConsumed() {
        await("the bank's webhooks delivered and consumed").until(() -> {
            JsonNode webhooks = bankAdmin("/admin/stats", null).get("webhooks");
            if (webhooks.get("pending").asInt() != 0 || webhooks.get("held").asInt() != 0) {
                return false;
            }
            return jdbc.sql("SELECT event_id FROM bank_webhook_events").query(String.class).list().stream()
                    .allMatch(eventId -> jdbc.sql(
                                            "SELECT count(*) FROM processed_events WHERE consumer = 'funding' AND event_id = ?")
                                    .param(envelopeId(eventId))
                                    .query(Integer.class)
                                    .single()
                            == 1);
        });
    }

    private JsonNode bankAdmin(String path, Object body) {
        try {
            HttpRequest.Builder request =
                    HttpRequest.newBuilder(URI.create(bank.baseUrl() + path)).timeout(Duration.ofSeconds(10));
            request = body == null
                    ? request.GET()
                    : request.header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(path + ": " + response.body()).isBetween(200, 299);
            return JSON.readTree(response.body());
        } catch (Exception failed) {
            throw new IllegalStateException(failed);
        }
    }
}
