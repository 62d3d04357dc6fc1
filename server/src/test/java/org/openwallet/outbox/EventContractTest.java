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
import org.openwallet.platform.kafka.KafkaCluster;
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
    private static final Duration QUIET = Duration.ofSeconds(1);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final List<String> SCHEMA_FILES = List.of(
            "envelope.v1.json",
            "transfer.posted.v1.json",
            "user.signed_up.v1.json",
            "transfer.visibility_changed.v1.json",
            "friendship.created.v1.json",
            "friendship.removed.v1.json");

    private final EventSchemas schemas = new EventSchemas();

    @Autowired
    KafkaCluster kafka;

    @Test
    void everySchemaFile_isAValidDraft202012Schema() {
        for (String file : SCHEMA_FILES) {
            assertThat(schemas.metaSchemaViolations(file)).as(file).isEmpty();
            assertThat(EventSchemas.load(file).get("$schema").asString())
                    .isEqualTo("https://json-schema.org/draft/2020-12/schema");
        }
    }

    @Test
    void transferPosted_asPublished_matchesItsSchema_withKeyAndHeaders() {
        Api.User alice = api.newUser();
        Api.User bob = api.newUser();
        LedgerTestSupport.fund(transactions, ledger, alice.id(), 100_000);
        String withNote = pay(
                alice,
                bob,
                Map.of(
                        "to_handle",
                        bob.handle(),
                        "amount",
                        "12.50",
                        "currency",
                        "USD",
                        "note",
                        "lunch \uD83C\uDF5C \"quoted\"",
                        "visibility",
                        "public"));
        String withoutNote =
                pay(alice, bob, Map.of("to_user_id", bob.id().toString(), "amount", "0.01", "currency", "USD"));

        Map<String, ConsumerRecord<String, String>> records =
                read("wallet.transfer", "transfer_id", Set.of(withNote, withoutNote));

        for (ConsumerRecord<String, String> record : records.values()) {
            JsonNode event = TopicReader.json(record);
            assertThat(schemas.producerViolations(event)).as(record.value()).isEmpty();
            assertEnvelope(record, event, "transfer.posted", alice.id().toString());
            JsonNode payload = event.get("payload");
            assertThat(payload.get("from_user_id").asString())
                    .isEqualTo(alice.id().toString());
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
        Api.User carol = api.newUser();
        Api.User dave = api.newUser();

        Map<String, ConsumerRecord<String, String>> records = read(
                "wallet.user",
                "user_id",
                Set.of(carol.id().toString(), dave.id().toString()));

        for (Api.User user : List.of(carol, dave)) {
            ConsumerRecord<String, String> record = records.get(user.id().toString());
            JsonNode event = TopicReader.json(record);
            assertThat(schemas.producerViolations(event)).as(record.value()).isEmpty();
            assertEnvelope(record, event, "user.signed_up", user.id().toString());
            assertThat(event.get("payload").get("handle").asString()).isEqualTo(user.handle());
        }
    }

    @Test
    void transferVisibilityChanged_asPublished_matchesItsSchema_keyedBySender() {
        Api.User alice = api.newUser();
        Api.User bob = api.newUser();
        LedgerTestSupport.fund(transactions, ledger, alice.id(), 100_000);
        String id = pay(
                alice,
                bob,
                Map.of("to_handle", bob.handle(), "amount", "3.00", "currency", "USD", "visibility", "public"));
        narrow(bob, id, "friends");
        narrow(alice, id, "private");

        List<ConsumerRecord<String, String>> records =
                readAll("wallet.transfer", 3, record -> id.equals(TopicReader.payloadField(record, "transfer_id")));

        assertThat(records)
                .extracting(record -> TopicReader.json(record).get("type").asString())
                .as("the transfer's own event first, then each narrowing once, in order")
                .containsExactly("transfer.posted", "transfer.visibility_changed", "transfer.visibility_changed");
        List<ConsumerRecord<String, String>> changes = records.subList(1, 3);
        List<String> changedBy = List.of(bob.id().toString(), alice.id().toString());
        List<String> visibilities = List.of("friends", "private");
        for (int i = 0; i < 2; i++) {
            ConsumerRecord<String, String> record = changes.get(i);
            JsonNode event = TopicReader.json(record);
            assertThat(schemas.producerViolations(event)).as(record.value()).isEmpty();
            assertEnvelope(
                    record, event, "transfer.visibility_changed", alice.id().toString());
            JsonNode payload = event.get("payload");
            assertThat(payload.get("transfer_id").asString()).isEqualTo(id);
            assertThat(payload.get("from_user_id").asString())
                    .isEqualTo(alice.id().toString());
            assertThat(payload.get("to_user_id").asString()).isEqualTo(bob.id().toString());
            assertThat(payload.get("visibility").asString()).isEqualTo(visibilities.get(i));
            assertThat(payload.get("changed_by").asString()).isEqualTo(changedBy.get(i));
        }
        assertThat(records)
                .extracting(ConsumerRecord::partition)
                .as("one key, one partition")
                .containsOnly(records.getFirst().partition());
    }

    @Test
    void friendshipCreatedAndRemoved_asPublished_matchTheirSchemas_keyedByThePair() {
        Api.User alice = api.newUser();
        Api.User bob = api.newUser();
        // bob asks, alice accepts, then alice ends it: user_a/user_b follow the ids, not who acted.
        Api.Response asked = api.post("/v1/friends/requests", bob.token(), null, Map.of("to_handle", alice.handle()));
        assertThat(asked.status()).as(asked.body()).isEqualTo(201);
        Api.Response accepted = api.postRaw(
                "/v1/friends/requests/" + asked.json().get("id").asString() + "/accept", alice.token(), null, "");
        assertThat(accepted.status()).as(accepted.body()).isEqualTo(200);
        Api.Response removed = api.delete("/v1/friends/" + bob.id(), alice.token());
        assertThat(removed.status()).as(removed.body()).isEqualTo(204);

        boolean aliceFirst = alice.id().toString().compareTo(bob.id().toString()) < 0;
        Api.User a = aliceFirst ? alice : bob;
        Api.User b = aliceFirst ? bob : alice;
        String key = a.id() + ":" + b.id();
        List<ConsumerRecord<String, String>> records =
                readAll("wallet.friendship", 2, record -> key.equals(record.key()));

        assertThat(records)
                .extracting(record -> TopicReader.json(record).get("type").asString())
                .containsExactly("friendship.created", "friendship.removed");
        for (ConsumerRecord<String, String> record : records) {
            assertThat(schemas.producerViolations(TopicReader.json(record)))
                    .as(record.value())
                    .isEmpty();
        }
        JsonNode createdEvent = TopicReader.json(records.get(0));
        assertEnvelope(records.get(0), createdEvent, "friendship.created", key);
        JsonNode created = createdEvent.get("payload");
        assertThat(created.get("user_a").asString()).isEqualTo(a.id().toString());
        assertThat(created.get("handle_a").asString()).isEqualTo(a.handle());
        assertThat(created.get("user_b").asString()).isEqualTo(b.id().toString());
        assertThat(created.get("handle_b").asString()).isEqualTo(b.handle());
        assertThat(created.get("since").asString())
                .isEqualTo(accepted.json().get("decided_at").asString());

        JsonNode removedEvent = TopicReader.json(records.get(1));
        assertEnvelope(records.get(1), removedEvent, "friendship.removed", key);
        JsonNode gone = removedEvent.get("payload");
        assertThat(gone.get("user_a").asString()).isEqualTo(a.id().toString());
        assertThat(gone.get("user_b").asString()).isEqualTo(b.id().toString());
        assertThat(gone.get("removed_by").asString()).isEqualTo(alice.id().toString());
        assertThat(gone.get("since").asString()).isEqualTo(created.get("since").asString());
        assertThat(java.time.Instant.parse(gone.get("removed_at").asString()))
                .isAfterOrEqualTo(java.time.Instant.parse(created.get("since").asString()));
        assertThat(records.get(1).partition())
                .as("one pair, one partition")
                .isEqualTo(records.get(0).partition());
    }

    @Test
    void producerCheck_refusesWhatTheNewSchemasDoNotAllow() {
        ObjectNode changed = (ObjectNode) JSON.readTree("""
                {"id": "01970000-0000-7000-8000-000000000001", "type": "transfer.visibility_changed", "version": 1,
                 "occurred_at": "2026-01-02T03:04:05.123456Z", "producer": "wallet",
                 "payload": {"transfer_id": "01970000-0000-7000-8000-000000000002",
                             "from_user_id": "01970000-0000-7000-8000-000000000003",
                             "to_user_id": "01970000-0000-7000-8000-000000000004", "visibility": "private",
                             "changed_by": "01970000-0000-7000-8000-000000000004", "changed_at": "2026-01-02T03:04:05.123Z"}}
                """);
        assertThat(schemas.producerViolations(changed)).isEmpty();
        assertThat(schemas.producerViolations(
                        with(changed, event -> payload(event).put("visibility", "public"))))
                .as("never widened")
                .isNotEmpty();
        assertThat(schemas.producerViolations(
                        with(changed, event -> payload(event).remove("changed_by"))))
                .isNotEmpty();
        assertThat(schemas.producerViolations(
                        with(changed, event -> payload(event).put("previous", "friends"))))
                .isNotEmpty();

        ObjectNode created = (ObjectNode) JSON.readTree("""
                {"id": "01970000-0000-7000-8000-000000000005", "type": "friendship.created", "version": 1,
                 "occurred_at": "2026-01-02T03:04:05.123456Z", "producer": "wallet",
                 "payload": {"user_a": "01970000-0000-7000-8000-000000000003", "handle_a": "alice",
                             "user_b": "01970000-0000-7000-8000-000000000004", "handle_b": "bob",
                             "since": "2026-01-02T03:04:05.123Z"}}
                """);
        assertThat(schemas.producerViolations(created)).isEmpty();
        assertThat(schemas.producerViolations(
                        with(created, event -> payload(event).put("handle_a", "Not A Handle"))))
                .isNotEmpty();
        assertThat(schemas.producerViolations(
                        with(created, event -> payload(event).remove("since"))))
                .isNotEmpty();
        assertThat(schemas.producerViolations(
                        with(created, event -> payload(event).put("user_b", "bob"))))
                .isNotEmpty();

        ObjectNode removed = (ObjectNode) JSON.readTree("""
                {"id": "01970000-0000-7000-8000-000000000006", "type": "friendship.removed", "version": 1,
                 "occurred_at": "2026-01-02T03:04:05.123456Z", "producer": "wallet",
                 "payload": {"user_a": "01970000-0000-7000-8000-000000000003", "user_b": "01970000-0000-7000-8000-000000000004",
                             "removed_by": "01970000-0000-7000-8000-000000000003", "since": "2026-01-02T03:04:05.123Z",
                             "removed_at": "2026-01-03T03:04:05.123Z"}}
                """);
        assertThat(schemas.producerViolations(removed)).isEmpty();
        assertThat(schemas.producerViolations(
                        with(removed, event -> payload(event).put("handle_a", "alice"))))
                .isNotEmpty();
        assertThat(schemas.producerViolations(
                        with(removed, event -> payload(event).remove("removed_by"))))
                .isNotEmpty();
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

        assertThat(schemas.producerViolations(
                        with(valid, event -> payload(event).put("fee", "0.10"))))
                .anySatisfy(
                        violation -> assertThat(violation).contains("payload").contains("fee"));
        assertThat(schemas.producerViolations(with(valid, event -> event.put("trace_id", "abc"))))
                .anySatisfy(
                        violation -> assertThat(violation).contains("envelope").contains("trace_id"));
        assertThat(schemas.producerViolations(
                        with(valid, event -> payload(event).put("amount", 12.5))))
                .isNotEmpty();
        assertThat(schemas.producerViolations(
                        with(valid, event -> payload(event).remove("note"))))
                .isNotEmpty();
        assertThat(schemas.producerViolations(
                        with(valid, event -> payload(event).put("to_user_id", "bob"))))
                .isNotEmpty();
        assertThat(schemas.producerViolations(with(valid, event -> event.put("occurred_at", "yesterday"))))
                .isNotEmpty();
        assertThat(schemas.producerViolations(
                        with(valid, event -> payload(event).put("visibility", "everyone"))))
                .isNotEmpty();
        assertThat(schemas.producerViolations(with(valid, event -> event.put("version", 99))))
                .anySatisfy(violation -> assertThat(violation).contains("transfer.posted.v99.json"));
    }

    /** Consumers read the files as published, open: an added field must not make them refuse an event. */
    @Test
    void publishedSchemas_acceptUnknownFields_asConsumersMust() {
        JsonNode payload = JSON.readTree("""
                {"user_id": "01970000-0000-7000-8000-000000000001", "handle": "carol", "referrer": "dave"}
                """);
        assertThat(schemas.consumerViolations("user.signed_up.v1.json", payload))
                .isEmpty();
        assertThat(schemas.producerViolations(JSON.readTree("""
                {"id": "01970000-0000-7000-8000-000000000009", "type": "user.signed_up", "version": 1,
                 "occurred_at": "2026-01-02T03:04:05Z", "producer": "wallet", "payload": %s}
                """.formatted(payload))))
                .isNotEmpty();
    }

    private String pay(Api.User from, Api.User to, Map<String, String> body) {
        Api.Response response = api.post(
                "/v1/transfers", from.token(), java.util.UUID.randomUUID().toString(), body);
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        return response.json().get("id").asString();
    }

    private void narrow(Api.User user, String transferId, String visibility) {
        Api.Response response =
                api.patch("/v1/transfers/" + transferId, user.token(), Map.of("visibility", visibility));
        assertThat(response.status()).as(response.body()).isEqualTo(200);
    }

    /**
     * The records of {@code topic} that {@code wanted} picks, in the order read (one key keeps its
     * order in its partition): reads until {@code count} arrived, then a moment longer to catch a
     * record too many.
     */
    private List<ConsumerRecord<String, String>> readAll(
            String topic, int count, java.util.function.Predicate<ConsumerRecord<String, String>> wanted) {
        try (TopicReader reader = new TopicReader(kafka.bootstrapServers(), topic, WAIT)) {
            reader.readUntil(records -> records.stream().filter(wanted).count() >= count, WAIT);
            List<ConsumerRecord<String, String>> matching =
                    reader.readFor(QUIET).stream().filter(wanted).toList();
            assertThat(matching).as(count + " events on " + topic).hasSize(count);
            return matching;
        }
    }

    /** The one record for each of {@code ids} (matched on {@code payload.<field>}); fails on a missing or repeated one. */
    private Map<String, ConsumerRecord<String, String>> read(String topic, String field, Set<String> ids) {
        try (TopicReader reader = new TopicReader(kafka.bootstrapServers(), topic, WAIT)) {
            List<ConsumerRecord<String, String>> matching = reader
                    .readUntil(
                            records -> records.stream()
                                            .filter(record -> ids.contains(TopicReader.payloadField(record, field)))
                                            .count()
                                    >= ids.size(),
                            WAIT)
                    .stream()
                    .filter(record -> ids.contains(TopicReader.payloadField(record, field)))
                    .toList();
            assertThat(matching.stream().map(record -> TopicReader.payloadField(record, field)))
                    .as("one event each on " + topic)
                    .containsExactlyInAnyOrderElementsOf(ids);
            return matching.stream()
                    .collect(java.util.stream.Collectors.toMap(
                            record -> TopicReader.payloadField(record, field), record -> record));
        }
    }

    private static void assertEnvelope(ConsumerRecord<String, String> record, JsonNode event, String type, String key) {
        assertThat(event.get("type").asString()).isEqualTo(type);
        assertThat(event.get("version").asInt()).isEqualTo(1);
        assertThat(event.get("producer").asString()).isEqualTo(Outbox.PRODUCER);
        assertThat(record.key()).isEqualTo(key);
        assertThat(TransferEvents.header(record, "id"))
                .isEqualTo(event.get("id").asString());
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
