package org.openwallet.notification;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openwallet.Api;
import org.openwallet.OwnDataDirectory;
import org.openwallet.WalletIntegrationTest;
import org.openwallet.platform.kafka.KafkaCluster;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * What the notification consumer does with records no payment made: the same event published
 * again, and poison. These tests write to {@code wallet.transfer} themselves, so they run on a Kafka
 * of their own (their own context and data directory): other tests read that topic and expect
 * only what the relay writes there.
 *
 * <p>Where a test must show that something did not happen (a duplicate, a skipped type), it follows
 * the record in question with a real payment from the same sender: the relay keys events by sender,
 * so that payment lands later in the same partition, and once its notification exists the consumer
 * has finished with everything before it.
 */
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
@TestPropertySource(properties = "wallet.test.context=notification-duplicate-and-poison")
@ContextConfiguration(initializers = OwnDataDirectory.class)
class NotificationDuplicateAndPoisonTest extends WalletIntegrationTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Autowired
    KafkaCluster kafka;

    @LocalServerPort
    int serverPort;

    Inbox inbox;
    TransferTopic topic;

    @BeforeEach
    void connect() {
        inbox = new Inbox(api, "http://127.0.0.1:" + serverPort);
        topic = new TransferTopic(kafka);
    }

    private String pay(Api.User from, Api.User to, String amount) {
        Api.Response response = api.pay(from, to, amount);
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        return response.json().get("id").asString();
    }

    @Test
    void republishedEvent_changesNothing() {
        Api.User alice = fundedUser(100_000);
        Api.User bob = api.newUser();
        String transferId = pay(alice, bob, "3.00");
        inbox.awaitTransfer(bob, transferId);
        ConsumerRecord<String, String> original = topic.postedRecord(transferId);

        RecordMetadata first = topic.send(TransferTopic.TOPIC, original.key(), original.value(), original.headers());
        RecordMetadata second = topic.send(TransferTopic.TOPIC, original.key(), original.value(), original.headers());
        String marker = pay(alice, bob, "4.00");
        List<JsonNode> bobs = inbox.awaitTransfer(bob, marker);

        ConsumerRecord<String, String> markerRecord = topic.postedRecord(marker);
        assertThat(List.of(first.partition(), second.partition())).containsOnly(markerRecord.partition());
        assertThat(markerRecord.offset()).isGreaterThan(second.offset());
        assertThat(Inbox.forTransfer(bobs, transferId)).hasSize(1);
        assertThat(bobs).hasSize(2);
    }

    @Test
    void redeliveredEvent_whoseProcessedRecordIsLost_isStillStoppedByTheUniqueEventId() {
        Api.User alice = fundedUser(100_000);
        Api.User bob = api.newUser();
        String transferId = pay(alice, bob, "5.00");
        inbox.awaitTransfer(bob, transferId);
        ConsumerRecord<String, String> original = topic.postedRecord(transferId);
        UUID eventId = UUID.fromString(JSON.readTree(original.value()).get("id").asString());
        assertThat(jdbc.sql("DELETE FROM processed_events WHERE consumer = 'notifications' AND event_id = ?")
                        .param(eventId)
                        .update())
                .isEqualTo(1);

        topic.send(TransferTopic.TOPIC, original.key(), original.value(), original.headers());
        String marker = pay(alice, bob, "6.00");
        List<JsonNode> bobs = inbox.awaitTransfer(bob, marker);

        // The consumer did apply the event again (it is remembered again), and the insert changed nothing.
        assertThat(jdbc.sql("SELECT count(*) FROM processed_events WHERE consumer = 'notifications' AND event_id = ?")
                        .param(eventId)
                        .query(Long.class)
                        .single())
                .isEqualTo(1L);
        assertThat(Inbox.forTransfer(bobs, transferId)).hasSize(1);
        assertThat(bobs).hasSize(2);
    }

    @Test
    void poisonMessages_goToTheDeadLetterTopicWithTheError_andLaterEventsOnTheirPartitionAreStillApplied() {
        Api.User alice = fundedUser(100_000);
        Api.User bob = api.newUser();
        String key = alice.id().toString();
        String notJson = "{\"id\": \"" + UUID.randomUUID() + "\", this is not JSON";
        ObjectNode withoutPayload = envelope(UUID.randomUUID(), "transfer.posted", 1);
        withoutPayload.remove("payload");

        RecordMetadata notJsonSent = topic.send(key, notJson);
        RecordMetadata withoutPayloadSent = topic.send(key, withoutPayload.toString());
        String transferId = pay(alice, bob, "7.00");

        assertThat(inbox.awaitTransfer(bob, transferId)).hasSize(1);
        ConsumerRecord<String, String> valid = topic.postedRecord(transferId);
        assertThat(valid.partition()).isEqualTo(notJsonSent.partition()).isEqualTo(withoutPayloadSent.partition());
        assertThat(valid.offset()).isGreaterThan(withoutPayloadSent.offset());
        Map<String, String> errors = deadLetterErrors(key);
        assertThat(errors).containsOnlyKeys(notJson, withoutPayload.toString());
        assertThat(errors.get(withoutPayload.toString())).contains("payload");
        assertThat(errors.get(notJson)).isNotBlank();
    }

    @Test
    void unknownEventType_isSkipped_butAnUnknownVersionOrMissingFieldIsPoison() {
        Api.User alice = fundedUser(100_000);
        Api.User bob = api.newUser();
        String key = alice.id().toString();
        ObjectNode otherType = envelope(UUID.randomUUID(), "transfer.reversed", 1);
        otherType.set("payload", transferPayload(UUID.randomUUID(), alice, bob));
        ObjectNode nextVersion = envelope(UUID.randomUUID(), "transfer.posted", 2);
        nextVersion.set("payload", transferPayload(UUID.randomUUID(), alice, bob));
        ObjectNode noReceiver = envelope(UUID.randomUUID(), "transfer.posted", 1);
        ObjectNode payloadWithoutReceiver = transferPayload(UUID.randomUUID(), alice, bob);
        payloadWithoutReceiver.remove("to_user_id");
        noReceiver.set("payload", payloadWithoutReceiver);

        topic.send(key, otherType.toString());
        topic.send(key, nextVersion.toString());
        topic.send(key, noReceiver.toString());
        String transferId = pay(alice, bob, "8.00");

        List<JsonNode> bobs = inbox.awaitTransfer(bob, transferId);
        assertThat(bobs).as("only the real payment notifies").hasSize(1);
        Map<String, String> errors = deadLetterErrors(key);
        assertThat(errors).containsOnlyKeys(nextVersion.toString(), noReceiver.toString());
        assertThat(errors.get(nextVersion.toString())).contains("version 2");
        assertThat(errors.get(noReceiver.toString())).contains("to_user_id");
    }

    /** The dead letters of records sent with {@code key}, by their value, with their {@code dlq-error} header. */
    private Map<String, String> deadLetterErrors(String key) {
        Map<String, String> errors = new HashMap<>();
        for (ConsumerRecord<String, String> dead : topic.deadLetters(record -> key.equals(record.key()))) {
            Header error = dead.headers().lastHeader("dlq-error");
            assertThat(error).as("dlq-error header of " + dead.value()).isNotNull();
            errors.put(dead.value(), new String(error.value(), StandardCharsets.UTF_8));
        }
        return errors;
    }

    private static ObjectNode envelope(UUID id, String type, int version) {
        ObjectNode envelope = JSON.createObjectNode();
        envelope.put("id", id.toString());
        envelope.put("type", type);
        envelope.put("version", version);
        envelope.put("occurred_at", "2026-01-01T00:00:00Z");
        envelope.put("producer", "test");
        envelope.set("payload", JSON.createObjectNode());
        return envelope;
    }

    private static ObjectNode transferPayload(UUID transferId, Api.User from, Api.User to) {
        ObjectNode payload = JSON.createObjectNode();
        payload.put("transfer_id", transferId.toString());
        payload.put("from_user_id", from.id().toString());
        payload.put("from_handle", from.handle());
        payload.put("to_user_id", to.id().toString());
        payload.put("to_handle", to.handle());
        payload.put("amount", "1.00");
        payload.put("currency", "USD");
        payload.put("visibility", "private");
        payload.put("created_at", "2026-01-01T00:00:00Z");
        return payload;
    }
}
