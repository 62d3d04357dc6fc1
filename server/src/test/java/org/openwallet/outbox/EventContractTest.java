package org.openwallet.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
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
import tools.jackson.databind.node.ObjectNode;

/**
 * The producer's side of the event contracts: real sign-ups and payments, their events read back
 * from Kafka, each checked against the JSON Schemas in {@code resources/events} (envelope and
 * payload, closed: every field written must be declared). See docs/events.md.
 */
class EventContractTest extends WalletIntegrationTest {
    static final Duration WAIT = Duration.ofSeconds(30);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final List<String> SCHEMA_FILES = List.of("envelope.v1.json", "transfer.posted.v1.json", "user.signed_up.v1.json");

    private final EventSchemas schemas = new EventSchemas();

    @Autowired
    Transactions transactions;
    @Autowired
    Ledger ledger;
    @Autowired
    KafkaCluster kafka;

    @Test
    void everySchemaFile_isAValidDraft202012Schema() {
        for (String file : SCHEMA_FILES) {
            assertThat(schemas.metaSchemaViolations(file)).as(file).isEmpty();
            assertThat(EventSchemas.load(file).get("$schema").asString()).isEqualTo("https://json-schema.org/draft/2020-12/schema");
        }
    }

    @Test
    void transferPosted_asPublished_matchesItsSchema_withKeyAndHeaders() {
        Api.User alice = TestUsers.create(api);
        Api.User bob = TestUsers.create(api);
        LedgerTestSupport.fund(transactions, ledger, alice.id(), 100_000);
        String withNote = pay(alice, bob, Map.of("to_handle", bob.handle(), "amount", "12.50", "currency", "USD",
                "note", "lunch \uD83C\uDF5C \"quoted\"", "visibility", "public"));
        String withoutNote = pay(alice, bob, Map.of("to_user_id", bob.id().toString(), "amount", "0.01", "currency", "USD"));

        Map<String, ConsumerRecord<String, String>> records = read("wallet.transfer", "transfer_id", Set.of(withNote, withoutNote));

        for (ConsumerRecord<String, String> record : records.values()) {
            JsonNode event = TopicReader.json(record);
            assertThat(schemas.producerViolations(event)).as(record.value()).isEmpty();
            assertEnvelope(record, event, "transfer.posted", alice.id().toString());
            JsonNode payload = event.get("payload");
            assertThat(payload.get("from_user_id").asString()).isEqualTo(alice.id().toString());
            assertThat(payload.get("from_handle").asString()).isEqualTo(alice.handle());
            assertThat(payload.get("to_user_id").asString()).isEqualTo(bob.id().toString());
            assertThat(payload.get("to_handle").asString()).isEqualTo(bob.handle());
            assertThat(payload.get("currency").asString()).isEqualTo("USD");
        }
        JsonNode noted = TopicReader.json(records.get(withNote)).get("payload");
        assertThat(noted.get("amount").asString()).isEqualTo("12.50");
        assertThat(noted.get("note").asString()).isEqualTo("lunch \uD83C\uDF5C \"quoted\"");
        assertThat(noted.get("visibility").asString()).isEqualTo("public");
        JsonNode plain = TopicReader.json(records.get(withoutNote)).get("payload");
        assertThat(plain.get("amount").asString()).isEqualTo("0.01");
        assertThat(plain.get("note").isNull()).as("note is present, and null").isTrue();
    }

    @Test
    void userSignedUp_asPublished_matchesItsSchema_withKeyAndHeaders() {
        Api.User carol = TestUsers.create(api);
        Api.User dave = TestUsers.create(api);

        Map<String, ConsumerRecord<String, String>> records =
                read("wallet.user", "user_id", Set.of(carol.id().toString(), dave.id().toString()));

        for (Api.User user : List.of(carol, dave)) {
            ConsumerRecord<String, String> record = records.get(user.id().toString());
            JsonNode event = TopicReader.json(record);
            assertThat(schemas.producerViolations(event)).as(record.value()).isEmpty();
            assertEnvelope(record, event, "user.signed_up", user.id().toString());
            assertThat(event.get("payload").get("handle").asString()).isEqualTo(user.handle());
        }
    }

    /** The check must be able to fail: what the producer must not write, the closed schemas refuse. */
    @Test
    void producerCheck_refusesUndeclaredFields_wrongTypes_missingFields_andUnknownVersions() {
        ObjectNode valid = (ObjectNode) JSON.readTree("""
                {"id": "01970000-0000-7000-8000-000000000001", "type": "transfer.posted", "version": 1,
                 "occurred_at": "2026-01-02T03:04:05.123456Z", "producer": "wallet",
                 "payload": {"transfer_id": "01970000-0000-7000-8000-000000000002",
                             "from_user_id": "01970000-0000-7000-8000-000000000003", "from_handle": "alice",
                             "to_user_id": "01970000-0000-7000-8000-000000000004", "to_handle": "bob",
                             "amount": "12.50", "currency": "USD", "note": null, "visibility": "friends",
                             "created_at": "2026-01-02T03:04:05.123Z"}}
                """);
        assertThat(schemas.producerViolations(valid)).isEmpty();

        assertThat(schemas.producerViolations(with(valid, event -> payload(event).put("fee", "0.10"))))
                .anySatisfy(violation -> assertThat(violation).contains("payload").contains("fee"));
        assertThat(schemas.producerViolations(with(valid, event -> event.put("trace_id", "abc"))))
                .anySatisfy(violation -> assertThat(violation).contains("envelope").contains("trace_id"));
        assertThat(schemas.producerViolations(with(valid, event -> payload(event).put("amount", 12.5)))).isNotEmpty();
        assertThat(schemas.producerViolations(with(valid, event -> payload(event).remove("note")))).isNotEmpty();
        assertThat(schemas.producerViolations(with(valid, event -> payload(event).put("to_user_id", "bob")))).isNotEmpty();
        assertThat(schemas.producerViolations(with(valid, event -> event.put("occurred_at", "yesterday")))).isNotEmpty();
        assertThat(schemas.producerViolations(with(valid, event -> payload(event).put("visibility", "everyone")))).isNotEmpty();
        assertThat(schemas.producerViolations(with(valid, event -> event.put("version", 99))))
                .anySatisfy(violation -> assertThat(violation).contains("transfer.posted.v99.json"));
    }

    /** Consumers read the files as published, open: an added field must not make them refuse an event. */
    @Test
    void publishedSchemas_acceptUnknownFields_asConsumersMust() {
        JsonNode payload = JSON.readTree("""
                {"user_id": "01970000-0000-7000-8000-000000000001", "handle": "carol", "referrer": "dave"}
                """);
        assertThat(schemas.consumerViolations("user.signed_up.v1.json", payload)).isEmpty();
        assertThat(schemas.producerViolations(JSON.readTree("""
                {"id": "01970000-0000-7000-8000-000000000009", "type": "user.signed_up", "version": 1,
                 "occurred_at": "2026-01-02T03:04:05Z", "producer": "wallet", "payload": %s}
                """.formatted(payload)))).isNotEmpty();
    }

    private String pay(Api.User from, Api.User to, Map<String, String> body) {
        Api.Response response = api.post("/v1/transfers", from.token(), java.util.UUID.randomUUID().toString(), body);
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        return response.json().get("id").asString();
    }

    /** The one record for each of {@code ids} (matched on {@code payload.<field>}); fails on a missing or repeated one. */
    private Map<String, ConsumerRecord<String, String>> read(String topic, String field, Set<String> ids) {
        try (TopicReader reader = new TopicReader(kafka.bootstrapServers(), topic, WAIT)) {
            List<ConsumerRecord<String, String>> matching = reader.readUntil(
                    records -> records.stream().filter(record -> ids.contains(TopicReader.payloadField(record, field))).count() >= ids.size(),
                    WAIT).stream().filter(record -> ids.contains(TopicReader.payloadField(record, field))).toList();
            assertThat(matching.stream().map(record -> TopicReader.payloadField(record, field)))
                    .as("one event each on " + topic).containsExactlyInAnyOrderElementsOf(ids);
            return matching.stream().collect(java.util.stream.Collectors.toMap(record -> TopicReader.payloadField(record, field), record -> record));
        }
    }

    private static void assertEnvelope(ConsumerRecord<String, String> record, JsonNode event, String type, String key) {
        assertThat(event.get("type").asString()).isEqualTo(type);
        assertThat(event.get("version").asInt()).isEqualTo(1);
        assertThat(event.get("producer").asString()).isEqualTo(Outbox.PRODUCER);
        assertThat(record.key()).isEqualTo(key);
        assertThat(TransferEvents.header(record, "id")).isEqualTo(event.get("id").asString());
        assertThat(TransferEvents.header(record, "type")).isEqualTo(type);
    }

    private static ObjectNode with(ObjectNode event, java.util.function.Consumer<ObjectNode> change) {
        ObjectNode copy = event.deepCopy();
        change.accept(copy);
        return copy;
    }

    private static ObjectNode payload(ObjectNode event) {
        return (ObjectNode) event.get("payload");
    }
}
