package org.openwallet.funding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openwallet.Api;
import org.openwallet.Eventually;
import org.openwallet.LedgerTestSupport;
import org.openwallet.OwnDataDirectory;
import org.openwallet.WalletIntegrationTest;
import org.openwallet.ledger.LedgerVerifier;
import org.openwallet.platform.EmbeddedBankSimulator;
import org.openwallet.platform.EmbeddedKafka;
import org.openwallet.platform.config.WalletProperties;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.support.DefaultSingletonBeanRegistry;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.context.TestPropertySource;

/**
 * The bank's outcomes, delivered as signed webhooks (this test plays the bank with the wallet's
 * secret): settled deposits become spendable, failed ones disappear, returned withdrawals give the
 * money and the instant fee back; unsigned, mis-signed and stale deliveries change nothing;
 * duplicates and late contradicting outcomes are applied at most once. In a context of its own:
 * its last test stops Kafka.
 */
@TestPropertySource(properties = "wallet.test.context=bank-webhooks")
@ContextConfiguration(initializers = OwnDataDirectory.class)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BankWebhookTest extends WalletIntegrationTest {
    /** How long a refused or ignored delivery is given to do harm before the test looks. */
    static final Duration SETTLE_TIME = Duration.ofSeconds(3);

    @Autowired
    LedgerVerifier verifier;

    @Autowired
    WalletProperties properties;

    @Autowired
    EmbeddedKafka embeddedKafka;

    @Autowired
    ConfigurableApplicationContext context;

    @Autowired
    EmbeddedBankSimulator simulator;

    @org.springframework.boot.test.web.server.LocalServerPort
    int localPort;

    FundingClient funding;
    BankWebhookSender bank;

    @BeforeEach
    void playTheBank() {
        funding = new FundingClient(api, jdbc, simulator);
        bank = new BankWebhookSender("http://127.0.0.1:" + localPort, BankWebhookSender.secretOf(properties.dataDir()));
    }

    @Test
    void settledDeposit_becomesAvailableAndSpendable_withOneTransitionAndOneEvent() {
        Api.User user = api.newUser();
        UUID deposit = funding.pendingDeposit(user, funding.link(user), "25.00");
        assertThat(funding.balance(user)).isEqualTo(new FundingClient.Balance("0.00", "25.00"));

        Api.Response delivered =
                bank.deliver(event(BankWebhookSender.newEventId(), "settled", deposit, "debit", "25.00", null));

        assertThat(delivered.status()).as(delivered.body()).isEqualTo(200);
        assertThat(delivered.json().get("status").asString()).isEqualTo("accepted");
        var settled = funding.awaitStatus(user, "deposits", deposit, "settled");
        assertThat(settled.get("amount").asString()).isEqualTo("25.00");
        assertThat(settled.has("reason_code")).isFalse();
        assertThat(funding.balance(user)).isEqualTo(new FundingClient.Balance("25.00", "0.00"));
        assertThat(transitions(deposit)).containsExactly("new>pending", "pending>settled");
        assertThat(outboxEvents(deposit)).containsExactly("funding.requested", "funding.settled");
        assertThat(postedTransfersOf(deposit)).isEqualTo(1);

        Api.User payee = api.newUser();
        Api.Response payment = api.pay(user, payee, "25.00");
        assertThat(payment.status()).as(payment.body()).isEqualTo(201);
        assertThat(funding.balance(user)).isEqualTo(new FundingClient.Balance("0.00", "0.00"));
        assertThat(api.available(payee)).isEqualTo("25.00");
        assertThat(verifier.verify().problems()).isEmpty();
    }

    @Test
    void failedDeposit_R01_isFailed_andItsPendingAmountIsGone() {
        Api.User user = api.newUser();
        LedgerTestSupport.fund(transactions, ledger, user.id(), 5_00);
        UUID deposit = funding.pendingDeposit(user, funding.link(user), "40.00");
        assertThat(funding.balance(user)).isEqualTo(new FundingClient.Balance("5.00", "40.00"));

        Api.Response delivered =
                bank.deliver(event(BankWebhookSender.newEventId(), "failed", deposit, "debit", "40.00", "R01"));

        assertThat(delivered.status()).as(delivered.body()).isEqualTo(200);
        var failed = funding.awaitStatus(user, "deposits", deposit, "failed");
        assertThat(failed.get("reason_code").asString()).isEqualTo("R01");
        assertThat(funding.balance(user)).isEqualTo(new FundingClient.Balance("5.00", "0.00"));
        assertThat(transitions(deposit)).containsExactly("new>pending", "pending>failed");
        assertThat(outboxEvents(deposit)).containsExactly("funding.requested", "funding.failed");
        assertThat(postedTransfersOf(deposit)).isZero();
        assertThat(verifier.verify().problems()).isEmpty();
    }

    @Test
    void returnedInstantWithdrawal_R02_givesTheMoneyAndTheFeeBack() {
        Api.User user = api.newUser();
        LedgerTestSupport.fund(transactions, ledger, user.id(), 100_00);
        UUID withdrawal = funding.pendingWithdrawal(user, funding.link(user), "50.00", "instant");
        assertThat(funding.balance(user))
                .as("50.00 held and a fee of 0.88 taken")
                .isEqualTo(new FundingClient.Balance("49.12", "0.00"));

        Api.Response delivered =
                bank.deliver(event(BankWebhookSender.newEventId(), "returned", withdrawal, "credit", "50.00", "R02"));

        assertThat(delivered.status()).as(delivered.body()).isEqualTo(200);
        var returned = funding.awaitStatus(user, "withdrawals", withdrawal, "returned");
        assertThat(returned.get("reason_code").asString()).isEqualTo("R02");
        assertThat(returned.get("fee").asString()).isEqualTo("0.88");
        assertThat(funding.balance(user)).isEqualTo(new FundingClient.Balance("100.00", "0.00"));
        assertThat(count("SELECT count(*) FROM ledger_transfers WHERE reference = ?", "fee-refund:" + withdrawal))
                .isEqualTo(1);
        assertThat(transitions(withdrawal)).containsExactly("new>pending", "pending>returned");
        assertThat(outboxEvents(withdrawal)).containsExactly("funding.requested", "funding.returned");
        assertThat(postedTransfersOf(withdrawal)).isZero();
        assertThat(verifier.verify().problems()).isEmpty();
    }

    @Test
    void settledWithdrawalOfTheWholeBalance_sendsTheMoneyOut() {
        Api.User user = api.newUser();
        LedgerTestSupport.fund(transactions, ledger, user.id(), 30_00);
        UUID withdrawal = funding.pendingWithdrawal(user, funding.link(user), "30.00", "standard");
        assertThat(funding.balance(user)).isEqualTo(new FundingClient.Balance("0.00", "0.00"));

        Api.Response delivered =
                bank.deliver(event(BankWebhookSender.newEventId(), "settled", withdrawal, "credit", "30.00", null));

        assertThat(delivered.status()).as(delivered.body()).isEqualTo(200);
        funding.awaitStatus(user, "withdrawals", withdrawal, "settled");
        assertThat(funding.balance(user)).isEqualTo(new FundingClient.Balance("0.00", "0.00"));
        assertThat(jdbc.sql("SELECT posted_minor FROM ledger_accounts WHERE kind = 'user_wallet' AND owner_user_id = ?")
                        .param(user.id())
                        .query(Long.class)
                        .single())
                .as("the money left the wallet")
                .isZero();
        assertThat(postedTransfersOf(withdrawal)).isEqualTo(1);
        assertThat(transitions(withdrawal)).containsExactly("new>pending", "pending>settled");
        assertThat(verifier.verify().problems()).isEmpty();
    }

    @Test
    void spoofedWrongSecretMissingOrStaleSignatures_are401_andTheRequestStaysPending() {
        Api.User user = api.newUser();
        UUID deposit = funding.pendingDeposit(user, funding.link(user), "30.00");
        String eventId = BankWebhookSender.newEventId();
        String body = event(eventId, "settled", deposit, "debit", "30.00", null);
        byte[] otherSecret = new byte[32];
        new SecureRandom().nextBytes(otherSecret);
        Instant now = Instant.now();
        String validNow = bank.signature(now, body);
        String tamperedBody = body.replace("30.00", "3000.00");

        List<Api.Response> refused = List.of(
                bank.deliver(
                        body,
                        "t=" + now.getEpochSecond() + ",v1=" + HexFormat.of().formatHex(new byte[32])),
                bank.deliver(body, BankWebhookSender.signature(otherSecret, now, body)),
                bank.deliver(body, null),
                bank.deliver(body, ""),
                bank.deliver(body, "v1=" + validNow.substring(validNow.indexOf("v1=") + 3)),
                bank.deliver(body, bank.signature(now.minus(Duration.ofMinutes(6)), body)),
                bank.deliver(body, bank.signature(now.plus(Duration.ofMinutes(6)), body)),
                bank.deliver(tamperedBody, validNow));

        assertThat(refused).allSatisfy(response -> {
            assertThat(response.status()).as(response.body()).isEqualTo(401);
            assertThat(response.code()).isEqualTo("invalid_signature");
        });
        Eventually.pause(SETTLE_TIME);
        assertThat(funding.request(user, "deposits", deposit).get("status").asString())
                .isEqualTo("pending");
        assertThat(funding.balance(user)).isEqualTo(new FundingClient.Balance("0.00", "30.00"));
        assertThat(count("SELECT count(*) FROM bank_webhook_events WHERE event_id = ?", eventId))
                .isZero();
        assertThat(transitions(deposit)).containsExactly("new>pending");

        // The same event, signed properly a little earlier (well within the tolerance), is taken.
        Api.Response valid = bank.deliver(body, bank.signature(now.minus(Duration.ofMinutes(4)), body));
        assertThat(valid.status()).as(valid.body()).isEqualTo(200);
        funding.awaitStatus(user, "deposits", deposit, "settled");
        assertThat(funding.balance(user)).isEqualTo(new FundingClient.Balance("30.00", "0.00"));
    }

    @Test
    void replayedEvent_isAnswered200Duplicate_andChangesNothingMore() {
        Api.User user = api.newUser();
        UUID deposit = funding.pendingDeposit(user, funding.link(user), "12.00");
        String body = event(BankWebhookSender.newEventId(), "settled", deposit, "debit", "12.00", null);
        assertThat(bank.deliver(body).status()).isEqualTo(200);
        funding.awaitStatus(user, "deposits", deposit, "settled");

        Api.Response replayed = bank.deliver(body);
        Api.Response replayedOldSignature =
                bank.deliver(body, bank.signature(Instant.now().minusSeconds(60), body));

        for (Api.Response duplicate : List.of(replayed, replayedOldSignature)) {
            assertThat(duplicate.status()).as(duplicate.body()).isEqualTo(200);
            assertThat(duplicate.json().get("status").asString()).isEqualTo("duplicate");
        }
        Eventually.pause(SETTLE_TIME);
        assertThat(funding.balance(user)).isEqualTo(new FundingClient.Balance("12.00", "0.00"));
        assertThat(transitions(deposit)).containsExactly("new>pending", "pending>settled");
        assertThat(outboxEvents(deposit)).containsExactly("funding.requested", "funding.settled");
        assertThat(postedTransfersOf(deposit)).isEqualTo(1);
    }

    @Test
    void theSameOutcomeUnderTwoEventIds_isAppliedOnce() {
        Api.User user = api.newUser();
        UUID deposit = funding.pendingDeposit(user, funding.link(user), "17.50");
        String first = BankWebhookSender.newEventId();
        String second = BankWebhookSender.newEventId();

        assertThat(bank.deliver(event(first, "settled", deposit, "debit", "17.50", null))
                        .status())
                .isEqualTo(200);
        Api.Response again = bank.deliver(event(second, "settled", deposit, "debit", "17.50", null));

        assertThat(again.status()).as(again.body()).isEqualTo(200);
        assertThat(again.json().get("status").asString())
                .as("a new event id: the bank's duplicate is taken")
                .isEqualTo("accepted");
        awaitConsumed(second);
        assertThat(funding.request(user, "deposits", deposit).get("status").asString())
                .isEqualTo("settled");
        assertThat(funding.balance(user)).isEqualTo(new FundingClient.Balance("17.50", "0.00"));
        assertThat(transitions(deposit)).containsExactly("new>pending", "pending>settled");
        assertThat(outboxEvents(deposit)).containsExactly("funding.requested", "funding.settled");
        assertThat(postedTransfersOf(deposit)).isEqualTo(1);
        assertThat(verifier.verify().problems()).isEmpty();
    }

    @Test
    void failedAfterSettled_leavesTheRequestSettled_andTheMoneyMovedOnce() {
        Api.User user = api.newUser();
        UUID deposit = funding.pendingDeposit(user, funding.link(user), "8.00");
        assertThat(bank.deliver(event(BankWebhookSender.newEventId(), "settled", deposit, "debit", "8.00", null))
                        .status())
                .isEqualTo(200);
        funding.awaitStatus(user, "deposits", deposit, "settled");

        String late = BankWebhookSender.newEventId();
        Api.Response failed = bank.deliver(event(late, "failed", deposit, "debit", "8.00", "R01"));

        assertThat(failed.status()).as(failed.body()).isEqualTo(200);
        awaitConsumed(late);
        var request = funding.request(user, "deposits", deposit);
        assertThat(request.get("status").asString()).isEqualTo("settled");
        assertThat(request.has("reason_code")).isFalse();
        assertThat(funding.balance(user)).isEqualTo(new FundingClient.Balance("8.00", "0.00"));
        assertThat(transitions(deposit)).containsExactly("new>pending", "pending>settled");
        assertThat(outboxEvents(deposit)).containsExactly("funding.requested", "funding.settled");
        assertThat(postedTransfersOf(deposit)).isEqualTo(1);
        assertThat(count(
                        "SELECT count(*) FROM ledger_pending_resolutions r JOIN funding_requests f ON f.pending_transfer_id = r.pending_id "
                                + "WHERE f.id = ?",
                        deposit))
                .isEqualTo(1);
        assertThat(verifier.verify().problems()).isEmpty();
    }

    @Test
    void returnedAfterSettledWithdrawal_leavesItSettled_andRefundsNothing() {
        Api.User user = api.newUser();
        LedgerTestSupport.fund(transactions, ledger, user.id(), 20_00);
        UUID withdrawal = funding.pendingWithdrawal(user, funding.link(user), "10.00", "instant");
        assertThat(bank.deliver(event(BankWebhookSender.newEventId(), "settled", withdrawal, "credit", "10.00", null))
                        .status())
                .isEqualTo(200);
        funding.awaitStatus(user, "withdrawals", withdrawal, "settled");
        assertThat(funding.balance(user)).isEqualTo(new FundingClient.Balance("9.75", "0.00"));

        String late = BankWebhookSender.newEventId();
        assertThat(bank.deliver(event(late, "returned", withdrawal, "credit", "10.00", "R02"))
                        .status())
                .isEqualTo(200);
        awaitConsumed(late);

        assertThat(funding.request(user, "withdrawals", withdrawal)
                        .get("status")
                        .asString())
                .isEqualTo("settled");
        assertThat(funding.balance(user)).isEqualTo(new FundingClient.Balance("9.75", "0.00"));
        assertThat(count("SELECT count(*) FROM ledger_transfers WHERE reference = ?", "fee-refund:" + withdrawal))
                .isZero();
        assertThat(transitions(withdrawal)).containsExactly("new>pending", "pending>settled");
    }

    /** Last: it stops Kafka (and starts it again). */
    @Test
    @Order(Integer.MAX_VALUE)
    void kafkaDownDuringAWebhook_is503AndChangesNothing_andTheSameWebhookLaterSettles() throws Exception {
        // The webhook's producer is up and the consumer runs: one deposit goes through first.
        Api.User user = api.newUser();
        UUID account = funding.link(user);
        UUID warmUp = funding.pendingDeposit(user, account, "1.00");
        assertThat(bank.deliver(event(BankWebhookSender.newEventId(), "settled", warmUp, "debit", "1.00", null))
                        .status())
                .isEqualTo(200);
        funding.awaitStatus(user, "deposits", warmUp, "settled");
        UUID deposit = funding.pendingDeposit(user, account, "15.00");
        String eventId = BankWebhookSender.newEventId();
        String body = event(eventId, "settled", deposit, "debit", "15.00", null);
        String signature = bank.signature(Instant.now(), body);

        embeddedKafka.close();
        Api.Response unavailable;
        try {
            unavailable = bank.deliver(body, signature);

            assertThat(unavailable.status()).as(unavailable.body()).isEqualTo(503);
            assertThat(unavailable.code()).isEqualTo("service_unavailable");
            Eventually.pause(SETTLE_TIME);
            assertThat(funding.request(user, "deposits", deposit).get("status").asString())
                    .isEqualTo("pending");
            assertThat(funding.balance(user)).isEqualTo(new FundingClient.Balance("1.00", "15.00"));
            assertThat(count("SELECT count(*) FROM bank_webhook_events WHERE event_id = ?", eventId))
                    .isZero();
        } finally {
            EmbeddedKafka restarted = EmbeddedKafka.start(
                    properties.dataDir().toAbsolutePath().resolve("kafka"),
                    properties.kafka().partitions());
            ((DefaultSingletonBeanRegistry) context.getBeanFactory())
                    .registerDisposableBean("restartedEmbeddedKafka", restarted::close);
        }

        // The bank retries the same delivery; while the producer reconnects it may be told 503 again.
        Api.Response[] retried = {bank.deliver(body, signature)};
        await("the bank's retry accepted").until(() -> {
            if (retried[0].status() != 503) {
                return true;
            }
            Eventually.pause(Duration.ofSeconds(1));
            retried[0] = bank.deliver(body, signature);
            return false;
        });
        assertThat(retried[0].status()).as(retried[0].body()).isEqualTo(200);
        assertThat(retried[0].json().get("status").asString()).isEqualTo("accepted");
        funding.awaitStatus(user, "deposits", deposit, "settled");
        assertThat(funding.balance(user)).isEqualTo(new FundingClient.Balance("16.00", "0.00"));
        assertThat(transitions(deposit)).containsExactly("new>pending", "pending>settled");
        assertThat(outboxEvents(deposit)).containsExactly("funding.requested", "funding.settled");
        assertThat(postedTransfersOf(deposit)).isEqualTo(1);
        assertThat(verifier.verify().problems()).isEmpty();
    }

    /** The bank's event for the request, with the bank transfer id the bank gave it when it accepted the order. */
    private String event(
            String eventId, String type, UUID request, String direction, String amount, String reasonCode) {
        return BankWebhookSender.event(
                eventId, type, request, funding.awaitBankTransferId(request), direction, amount, reasonCode);
    }

    /** The request's transitions as {@code from>to}, in the order they happened. */
    private List<String> transitions(UUID request) {
        return jdbc.sql(
                        "SELECT from_status || '>' || to_status FROM funding_transitions WHERE request_id = ? ORDER BY occurred_at, from_status <> 'new'")
                .param(request)
                .query(String.class)
                .list();
    }

    /** The outbox events about the request, oldest first. */
    private List<String> outboxEvents(UUID request) {
        return jdbc.sql(
                        "SELECT event_type FROM outbox_events WHERE aggregate_type = 'funding' AND aggregate_id = ? ORDER BY id")
                .param(request.toString())
                .query(String.class)
                .list();
    }

    /** How many ledger transfers moved the request's pending money (one when it settled, none otherwise). */
    private long postedTransfersOf(UUID request) {
        return count(
                "SELECT count(*) FROM ledger_transfers t JOIN funding_requests f ON t.reference = 'pending:' || f.pending_transfer_id WHERE f.id = ?",
                request);
    }

    /** Waits until the funding consumer has applied (or skipped) the bank event. */
    private void awaitConsumed(String bankEventId) {
        UUID envelopeId = UUID.nameUUIDFromBytes(("bank:" + bankEventId).getBytes(StandardCharsets.UTF_8));
        await("bank event " + bankEventId + " consumed")
                .until(() -> count(
                                "SELECT count(*) FROM processed_events WHERE consumer = 'funding' AND event_id = ?",
                                envelopeId)
                        > 0);
    }

    private long count(String sql, Object... params) {
        return jdbc.sql(sql).params(params).query(Long.class).single();
    }
}
