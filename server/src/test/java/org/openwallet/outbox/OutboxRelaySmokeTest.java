package org.openwallet.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.openwallet.Api;
import org.openwallet.LedgerTestSupport;
import org.openwallet.WalletIntegrationTest;
import org.openwallet.ledger.Ledger;
import org.openwallet.platform.KafkaCluster;
import org.openwallet.platform.Transactions;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class OutboxRelaySmokeTest extends WalletIntegrationTest {
    @Autowired
    Transactions transactions;
    @Autowired
    Ledger ledger;
    @Autowired
    KafkaCluster kafka;

    @Test
    void postedTransfer_reachesKafka_keyedBySender_withIdAndTypeHeaders() {
        Api.User alice = api.newUser();
        Api.User bob = api.newUser();
        LedgerTestSupport.fund(transactions, ledger, alice.id(), 10_000);
        String transferId = api.pay(alice, bob, "12.50").json().get("id").asString();

        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(), ConsumerConfig.GROUP_ID_CONFIG, "smoke-" + transferId,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(Set.of("wallet.transfer"));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    JsonNode event = JsonMapper.builder().build().readTree(record.value());
                    if (event.get("payload").get("transfer_id").asString().equals(transferId)) {
                        assertThat(record.key()).isEqualTo(alice.id().toString());
                        assertThat(new String(record.headers().lastHeader("type").value(), StandardCharsets.UTF_8)).isEqualTo("transfer.posted");
                        assertThat(new String(record.headers().lastHeader("id").value(), StandardCharsets.UTF_8)).isEqualTo(event.get("id").asString());
                        assertThat(event.get("type").asString()).isEqualTo("transfer.posted");
                        assertThat(event.get("payload").get("amount").asString()).isEqualTo("12.50");
                        return;
                    }
                }
            }
        }
        throw new AssertionError("transfer " + transferId + " never reached wallet.transfer");
    }
}
