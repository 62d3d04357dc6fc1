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
import org.openwallet.platform.kafka.KafkaCluster;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class OutboxRelaySmokeTest extends WalletIntegrationTest {
    @Autowired
    KafkaCluster kafka;

    @Autowired
    JdbcClient jdbc;

    @Test
    void postedTransfer_reachesKafka_keyedBySender_withIdAndTypeHeaders() {
        Api.User alice = api.newUser();
        Api.User bob = api.newUser();
        LedgerTestSupport.fund(transactions, ledger, alice.id(), 10_000);
        String transferId = api.pay(alice, bob, "12.50").json().get("id").asString();

        ConsumerRecord<String, String> record = awaitOnTransferTopic(transferId);
        JsonNode event = JsonMapper.builder().build().readTree(record.value());
        assertThat(record.key()).isEqualTo(alice.id().toString());
        assertThat(new String(record.headers().lastHeader("type").value(), StandardCharsets.UTF_8))
                .isEqualTo("transfer.posted");
        assertThat(new String(record.headers().lastHeader("id").value(), StandardCharsets.UTF_8))
                .isEqualTo(event.get("id").asString());
        assertThat(event.get("type").asString()).isEqualTo("transfer.posted");
        assertThat(event.get("payload").get("amount").asString()).isEqualTo("12.50");
    }

    /**
     * A logical decoding message in the WAL (any extension or tool may write one) once reached the
     * relay as a record with a struct key, which it could not relay: it restarted forever and no
     * event left the outbox again.
     */
    @Test
    void aLogicalDecodingMessageInTheWal_isIgnored_andEventsGoOn() {
        jdbc.sql("SELECT pg_logical_emit_message(true, 'someone-else', 'not an outbox event')")
                .query(String.class)
                .single();
        jdbc.sql("SELECT pg_logical_emit_message(false, 'someone-else', 'nor this')")
                .query(String.class)
                .single();
        Api.User alice = api.newUser();
        Api.User bob = api.newUser();
        LedgerTestSupport.fund(transactions, ledger, alice.id(), 10_000);
        String transferId = api.pay(alice, bob, "1.00").json().get("id").asString();

        assertThat(awaitOnTransferTopic(transferId).key()).isEqualTo(alice.id().toString());
    }

    private ConsumerRecord<String, String> awaitOnTransferTopic(String transferId) {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        kafka.bootstrapServers(),
                        ConsumerConfig.GROUP_ID_CONFIG,
                        "smoke-" + transferId,
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                        "earliest"),
                new StringDeserializer(),
                new StringDeserializer())) {
            consumer.subscribe(Set.of("wallet.transfer"));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    JsonNode event = JsonMapper.builder().build().readTree(record.value());
                    if (event.get("payload").get("transfer_id").asString().equals(transferId)) {
                        return record;
                    }
                }
            }
        }
        throw new AssertionError("transfer " + transferId + " never reached wallet.transfer");
    }
}
