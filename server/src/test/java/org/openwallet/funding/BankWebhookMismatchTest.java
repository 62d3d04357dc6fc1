package org.openwallet.funding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openwallet.Api;
import org.openwallet.WalletIntegrationTest;
import org.openwallet.ledger.LedgerVerifier;
import org.openwallet.platform.EmbeddedBankSimulator;
import org.openwallet.platform.config.WalletProperties;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.json.JsonMapper;

/**
 * A correctly signed bank event that does not describe what the wallet asked for (another amount,
 * direction or bank transfer id) settles nothing: it is kept, counted and reported by
 * reconciliation. A signed but malformed one is a 400 and is not stored at all.
 */
class BankWebhookMismatchTest extends WalletIntegrationTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Autowired
    WalletProperties properties;

    @Autowired
    Reconciliation reconciliation;

    @Autowired
    MeterRegistry meters;

    @Autowired
    LedgerVerifier verifier;

    @Autowired
    EmbeddedBankSimulator simulator;

    @LocalServerPort
    int localPort;

    FundingClient funding;
    BankWebhookSender bank;

    @BeforeEach
    void playTheBank() {
        funding = new FundingClient(api, jdbc, simulator);
        bank = new BankWebhookSender("http://127.0.0.1:" + localPort, BankWebhookSender.secretOf(properties.dataDir()));
    }

    @Test
    void settledWithAnotherAmount_settlesNothing_isFlagged_countedAndReconciled_andTheRightEventStillSettles() {
        Api.User user = api.newUser();
        UUID deposit = funding.pendingDeposit(user, funding.link(user), "1.00");
        String bankTransferId = funding.awaitBankTransferId(deposit);
        double flaggedBefore = flaggedCount();

        String forged = BankWebhookSender.newEventId();
        Api.Response delivered = bank.deliver(
                BankWebhookSender.event(forged, "settled", deposit, bankTransferId, "debit", "5000.00", null));

        assertThat(delivered.status()).as(delivered.body()).isEqualTo(200);
        awaitFlagged(forged);
        assertThat(funding.request(user, "deposits", deposit).get("status").asString())
                .isEqualTo("pending");
        assertThat(funding.balance(user)).isEqualTo(new FundingClient.Balance("0.00", "1.00"));
        assertThat(jdbc.sql("SELECT mismatch FROM flagged_bank_events WHERE event_id = ?")
                        .param(forged)
                        .query(String.class)
                        .single())
                .isEqualTo("amount");
        assertThat(flaggedCount()).isEqualTo(flaggedBefore + 1);

        Reconciliation.Run run = reconciliation.run(LocalDate.now(ZoneOffset.UTC), "test");
        assertThat(run.differences()).anySatisfy(difference -> {
            assertThat(difference.kind()).isEqualTo("flagged_bank_event");
            assertThat(difference.requestId()).isEqualTo(deposit);
            assertThat(difference.bankAmountMinor()).isEqualTo(5000_00L);
            assertThat(difference.ledgerAmountMinor()).isEqualTo(1_00L);
            assertThat(difference.detail()).contains(forged);
        });

        // The bank's true outcome is applied as usual.
        assertThat(bank.deliver(BankWebhookSender.event(
                                BankWebhookSender.newEventId(),
                                "settled",
                                deposit,
                                bankTransferId,
                                "debit",
                                "1.00",
                                null))
                        .status())
                .isEqualTo(200);
        funding.awaitStatus(user, "deposits", deposit, "settled");
        assertThat(funding.balance(user)).isEqualTo(new FundingClient.Balance("1.00", "0.00"));
        assertThat(verifier.verify().problems()).isEmpty();
    }

    @Test
    void settledWithAnotherDirection_orAnotherBankTransferId_settlesNothing_andIsFlagged() {
        Api.User user = api.newUser();
        UUID account = funding.link(user);
        UUID deposit = funding.pendingDeposit(user, account, "3.00");
        String bankTransferId = funding.awaitBankTransferId(deposit);

        String credit = BankWebhookSender.newEventId();
        assertThat(bank.deliver(BankWebhookSender.event(
                                credit, "settled", deposit, bankTransferId, "credit", "3.00", null))
                        .status())
                .isEqualTo(200);
        String otherTransfer = BankWebhookSender.newEventId();
        assertThat(bank.deliver(BankWebhookSender.event(
                                otherTransfer, "settled", deposit, "bt_someoneelses", "debit", "3.00", null))
                        .status())
                .isEqualTo(200);

        awaitFlagged(credit);
        awaitFlagged(otherTransfer);
        assertThat(jdbc.sql("SELECT mismatch FROM flagged_bank_events WHERE event_id = ?")
                        .param(credit)
                        .query(String.class)
                        .single())
                .isEqualTo("direction");
        assertThat(jdbc.sql("SELECT mismatch FROM flagged_bank_events WHERE event_id = ?")
                        .param(otherTransfer)
                        .query(String.class)
                        .single())
                .isEqualTo("bank_transfer_id");
        assertThat(funding.request(user, "deposits", deposit).get("status").asString())
                .isEqualTo("pending");
        assertThat(funding.balance(user)).isEqualTo(new FundingClient.Balance("0.00", "3.00"));
    }

    @Test
    void signedButMalformedEvents_are400_andNothingIsStored() {
        Api.User user = api.newUser();
        UUID deposit = funding.pendingDeposit(user, funding.link(user), "1.00");
        String bankTransferId = funding.awaitBankTransferId(deposit);

        for (Object amount :
                new Object[] {"1e400", "1E2", "5000.001", "-1.00", "1.0", "01.00", "0.00", "100000000.00", 1.00, 5000
                }) {
            String eventId = BankWebhookSender.newEventId();
            Map<String, Object> event = event(eventId, deposit, bankTransferId);
            event.put("amount", amount);
            Api.Response refused = bank.deliver(JSON.writeValueAsString(event));
            assertThat(refused.status()).as(amount + ": " + refused.body()).isEqualTo(400);
            assertThat(refused.code()).isEqualTo("validation_failed");
            assertThat(stored(eventId)).isZero();
        }
        for (String field : new String[] {
            "event_id",
            "bank_transfer_id",
            "request_id",
            "direction",
            "amount",
            "currency",
            "reason_code",
            "occurred_at"
        }) {
            String eventId = BankWebhookSender.newEventId();
            Map<String, Object> event = event(eventId, deposit, bankTransferId);
            event.remove(field);
            Api.Response refused = bank.deliver(JSON.writeValueAsString(event));
            assertThat(refused.status())
                    .as("without " + field + ": " + refused.body())
                    .isEqualTo(400);
            assertThat(stored(eventId)).isZero();
        }
        // A raw JSON number beyond any double is refused too, not read as Infinity.
        String huge = JSON.writeValueAsString(event(BankWebhookSender.newEventId(), deposit, bankTransferId))
                .replace("\"1.00\"", "1e400");
        assertThat(bank.deliver(huge).status()).isEqualTo(400);
        assertThat(funding.request(user, "deposits", deposit).get("status").asString())
                .isEqualTo("pending");
    }

    private static Map<String, Object> event(String eventId, UUID deposit, String bankTransferId) {
        @SuppressWarnings("unchecked")
        Map<String, Object> event = JSON.readValue(
                BankWebhookSender.event(eventId, "settled", deposit, bankTransferId, "debit", "1.00", null),
                LinkedHashMap.class);
        return event;
    }

    private long stored(String eventId) {
        UUID envelopeId = UUID.nameUUIDFromBytes(("bank:" + eventId).getBytes(StandardCharsets.UTF_8));
        return jdbc.sql("SELECT count(*) FROM bank_webhook_events WHERE event_id = ?")
                        .param(eventId)
                        .query(Long.class)
                        .single()
                + jdbc.sql("SELECT count(*) FROM processed_events WHERE event_id = ?")
                        .param(envelopeId)
                        .query(Long.class)
                        .single();
    }

    private void awaitFlagged(String eventId) {
        await("bank event " + eventId + " flagged")
                .until(() -> jdbc.sql("SELECT count(*) FROM flagged_bank_events WHERE event_id = ?")
                                .param(eventId)
                                .query(Long.class)
                                .single()
                        == 1);
    }

    private double flaggedCount() {
        return meters.find("wallet.bank.events.flagged").counters().stream()
                .mapToDouble(counter -> counter.count())
                .sum();
    }
}
