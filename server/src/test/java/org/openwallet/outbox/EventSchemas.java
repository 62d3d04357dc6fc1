package org.openwallet.outbox;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The event schemas of {@code src/main/resources/events}, as the producer's contract test applies them.
 *
 * <p>The files are the consumers' contract and stay open: a consumer must accept fields it does not
 * know, or adding an optional field would break it. The producer's side is stricter: every field it
 * writes must be declared. So this class validates against a <em>closed</em> copy of each schema:
 * {@code additionalProperties: false} on every object schema that lists properties and says nothing
 * about additional ones. The envelope's {@code payload} lists none and stays open there; the payload
 * is checked against its own closed schema, chosen by the envelope's type and version.
 */
final class EventSchemas {
    static final String DIRECTORY = "events/";
    static final String ENVELOPE = "envelope.v1.json";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** Format assertions on: "uuid" and "date-time" are checked, not merely annotations as 2020-12 has them by default. */
    private final SchemaRegistry registry = SchemaRegistry.withDefaultDialect(
            SpecificationVersion.DRAFT_2020_12,
            builder -> builder.schemaRegistryConfig(
                    SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build()));

    private final Map<String, Schema> closedSchemas = new ConcurrentHashMap<>();
    private final Map<String, Schema> openSchemas = new ConcurrentHashMap<>();

    /** The file name of a payload schema: {@code <type>.v<version>.json}. */
    static String payloadFile(String type, int version) {
        return type + ".v" + version + ".json";
    }

    /** What is wrong with an event as the producer wrote it: envelope and payload, against the closed schemas. */
    List<String> producerViolations(JsonNode event) {
        List<String> violations =
                new ArrayList<>(messages("envelope", closed(ENVELOPE).validate(event)));
        JsonNode type = event.get("type");
        JsonNode version = event.get("version");
        if (type == null || !type.isString() || version == null || !version.isInt()) {
            return violations;
        }
        String file = payloadFile(type.asString(), version.asInt());
        if (resource(file) == null) {
            violations.add("no schema " + DIRECTORY + file + " for " + type.asString() + " v" + version.asInt());
            return violations;
        }
        violations.addAll(messages("payload", closed(file).validate(event.get("payload"))));
        return violations;
    }

    /** What a consumer reading {@code file} as published would refuse in {@code node}: unknown fields pass. */
    List<String> consumerViolations(String file, JsonNode node) {
        return messages(
                file,
                openSchemas
                        .computeIfAbsent(file, name -> registry.getSchema(load(name)))
                        .validate(node));
    }

    /** What is wrong with a schema file itself, against the draft 2020-12 meta-schema. */
    List<String> metaSchemaViolations(String file) {
        Schema metaSchema = registry.getSchema(SchemaLocation.of(SpecificationVersion.DRAFT_2020_12.getDialectId()));
        return messages(file, metaSchema.validate(load(file)));
    }

    private Schema closed(String file) {
        return closedSchemas.computeIfAbsent(file, name -> registry.getSchema(close(load(name))));
    }

    static JsonNode load(String file) {
        try (InputStream in = resource(file)) {
            if (in == null) {
                throw new IllegalArgumentException("no schema " + DIRECTORY + file);
            }
            return JSON.readTree(in);
        } catch (IOException exception) {
            throw new IllegalStateException(exception);
        }
    }

    private static InputStream resource(String file) {
        return EventSchemas.class.getClassLoader().getResourceAsStream(DIRECTORY + file);
    }

    /** A copy of {@code schema} where every object schema with properties allows no others. */
    static JsonNode close(JsonNode schema) {
        JsonNode copy = schema.deepCopy();
        closeInPlace(copy);
        return copy;
    }

    private static void closeInPlace(JsonNode node) {
        if (node instanceof ObjectNode object) {
            if (object.has("properties")
                    && !object.has("additionalProperties")
                    && !object.has("unevaluatedProperties")) {
                object.put("additionalProperties", false);
            }
            object.values().forEach(EventSchemas::closeInPlace);
        } else if (node.isArray()) {
            node.values().forEach(EventSchemas::closeInPlace);
        }
    }

    private static List<String> messages(String where, List<Error> errors) {
        return errors.stream().map(error -> where + ": " + error).toList();
    }
}
