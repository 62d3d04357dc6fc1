package org.openwallet.funding;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Known answer for what the webhook writes to {@code bank.events}: the bank's event, as received, in the wallet's envelope. */
class BankWebhookIntakeTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    void aBankEvent_isEnveloped_toFixedBytes_underAnIdDerivedFromTheBanks() {
        JsonNode received = JSON.readTree("""
                {"event_id": "evt_1", "type": "transfer.settled", "bank_transfer_id": "bt_1",
                 "request_id": "01970000-0000-7000-8000-000000000002", "direction": "credit", "amount": "25.00",
                 "currency": "USD", "reason_code": null, "occurred_at": "2026-01-02T03:04:05Z"}""");

        String value = BankWebhookIntake.envelope(
                        BankEvent.parse(received), received, Instant.parse("2026-01-02T03:04:06.5Z"))
                .toJson(JSON);

        assertThat(value).isEqualTo("""
                {"id":"26b5cc38-249f-3e76-881e-31a3de2d6dd3","type":"bank.transfer.settled","version":1,\
                "occurred_at":"2026-01-02T03:04:06.500Z","producer":"bank",\
                "payload":{"event_id":"evt_1","type":"transfer.settled","bank_transfer_id":"bt_1",\
                "request_id":"01970000-0000-7000-8000-000000000002","direction":"credit","amount":"25.00",\
                "currency":"USD","reason_code":null,"occurred_at":"2026-01-02T03:04:05Z"}}""");
    }
}
