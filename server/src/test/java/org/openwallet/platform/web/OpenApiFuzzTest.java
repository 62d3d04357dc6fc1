package org.openwallet.platform.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;
import org.openwallet.Api;
import org.openwallet.LedgerTestSupport;
import org.openwallet.RawHttp;
import org.openwallet.WalletIntegrationTest;
import org.openwallet.ledger.LedgerVerifier;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.TestContextManager;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Fuzzes every operation of the served OpenAPI document ({@code /v3/api-docs}) with generated ids,
 * query strings, headers and JSON bodies derived from the operation's request schema, as a funded
 * user and anonymously: the server never answers 5xx (except 503 with Retry-After, which overload on
 * a shared machine may cause), every 4xx is problem+json with a {@code code}, and afterwards the
 * ledger verifies with no difference. jqwik ignores JUnit extensions, so each property prepares its
 * Spring test instance itself.
 */
class OpenApiFuzzTest extends WalletIntegrationTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch");
    /** Operations that would end the fuzzing user's sessions, which other properties rely on. */
    private static final Set<String> SKIPPED =
            Set.of("POST /v1/auth/logout", "POST /v1/auth/password", "DELETE /v1/auth/sessions/{id}");

    private static final String[] EDGE_STRINGS = {
        "",
        " ",
        "0",
        "-1",
        "1e309",
        "99999999999999999999999999999",
        "-9223372036854775809",
        "9223372036854775808",
        "0.001",
        "1.005",
        "NaN",
        "null",
        "true",
        "[]",
        "{}",
        "01ARZ3NDEKTSV4RRFFQ69G5FAV",
        "00000000-0000-0000-0000-000000000000",
        "ffffffff-ffff-ffff-ffff-ffffffffffff",
        "\u202Eevil\u202C",
        "\u05E9\u05DC\u05D5\u05DD",
        "\uD83D\uDCB8\uD83D\uDE00",
        "\uD83D",
        "\uFEFF",
        "a\u0301",
        "../../etc/passwd",
        "%00",
        "%",
        "' OR 1=1 --",
        "<script>",
        "USD",
        "usd",
        "XXX",
        "private",
        "public"
    };

    @LocalServerPort
    int serverPort;

    @Autowired
    LedgerVerifier verifier;

    private static List<Operation> operations;
    private static JsonNode document;
    private static Api.User user;
    private static Api client;

    record Operation(String method, String path, List<JsonNode> parameters, JsonNode bodySchema) {
        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    @BeforeProperty
    void prepare() throws Exception {
        new TestContextManager(getClass()).prepareTestInstance(this);
        if (operations == null) {
            client = new Api("http://127.0.0.1:" + serverPort);
            document = client.get("/v3/api-docs", null).json();
            operations = readOperations(document);
            user = client.newUser();
            LedgerTestSupport.fund(transactions, ledger, user.id(), 1_000_000);
        }
    }

    @AfterProperty
    void ledgerStillVerifies() {
        LedgerVerifier.Report report = verifier.verify();
        assertThat(report.problems()).isEmpty();
        assertThat(report.ok()).as(report.summary()).isTrue();
    }

    @Property(tries = 1200)
    void everyOperation_withGeneratedInputs_answersWithoutServerErrorAndWithProblems(
            @ForAll @IntRange(min = 0, max = 10_000) int operationIndex,
            @ForAll long seed,
            @ForAll("fuzzStrings") List<String> strings,
            @ForAll boolean authenticated)
            throws Exception {
        Operation operation = operations.get(operationIndex % operations.size());
        Random random = new Random(seed);
        Iterator<String> pool = cycle(strings);
        Map<String, String> headers = new LinkedHashMap<>();
        if (authenticated) {
            headers.put("Authorization", "Bearer " + token());
        }
        if (random.nextBoolean()) {
            headers.put("Idempotency-Key", headerSafe(pool.next()));
        }
        byte[] body = null;
        if (operation.bodySchema() != null || random.nextInt(4) == 0) {
            headers.put("Content-Type", random.nextInt(10) == 0 ? "text/plain" : "application/json");
            body = bodyBytes(operation, random, pool);
        }
        check(operation, target(operation, random, pool), headers, body);
    }

    @Property(tries = 300)
    void everyOperation_withRandomCredentialsAndHeaders_answersWithProblems(
            @ForAll @IntRange(min = 0, max = 10_000) int operationIndex,
            @ForAll("fuzzStrings") List<String> strings,
            @ForAll @IntRange(min = 0, max = 5) int authVariant,
            @ForAll long seed)
            throws Exception {
        Operation operation = operations.get(operationIndex % operations.size());
        Random random = new Random(seed);
        Iterator<String> pool = cycle(strings);
        Map<String, String> headers = new LinkedHashMap<>();
        String junk = headerSafe(pool.next());
        switch (authVariant) {
            case 0 -> headers.put("Authorization", "Bearer " + junk);
            case 1 -> headers.put("Authorization", junk);
            case 2 -> headers.put("Authorization", "Basic " + junk);
            case 3 -> headers.put("Authorization", "Bearer " + token() + junk);
            case 4 -> headers.put("Authorization", "Bearer " + token().substring(0, token().length() / 2));
            default -> headers.put("Authorization", "bearer " + token());
        }
        headers.put("Idempotency-Key", headerSafe(pool.next()));
        headers.put("Accept", random.nextBoolean() ? "application/json" : headerSafe(pool.next()));
        headers.put("X-Forwarded-For", headerSafe(pool.next()));
        byte[] body = null;
        if (operation.bodySchema() != null) {
            headers.put("Content-Type", "application/json");
            body = bodyBytes(operation, random, pool);
        }
        check(operation, target(operation, random, pool), headers, body);
    }

    @Provide
    Arbitrary<List<String>> fuzzStrings() {
        Arbitrary<String> edge = Arbitraries.of(EDGE_STRINGS);
        Arbitrary<String> unicode =
                Arbitraries.strings().all().excludeChars('\u0000').ofMaxLength(40);
        Arbitrary<String> longs =
                Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1000).ofMaxLength(9000);
        Arbitrary<String> numbers = Arbitraries.bigIntegers()
                .between(
                        new java.math.BigInteger("-1" + "0".repeat(40)), new java.math.BigInteger("1" + "0".repeat(40)))
                .map(Object::toString);
        Arbitrary<String> ids =
                Arbitraries.create(() -> java.util.UUID.randomUUID().toString());
        return Arbitraries.frequencyOf(
                        net.jqwik.api.Tuple.of(4, edge),
                        net.jqwik.api.Tuple.of(3, unicode),
                        net.jqwik.api.Tuple.of(1, longs),
                        net.jqwik.api.Tuple.of(2, numbers),
                        net.jqwik.api.Tuple.of(2, ids))
                .list()
                .ofMinSize(1)
                .ofMaxSize(8);
    }

    private void check(Operation operation, String target, Map<String, String> headers, byte[] body) throws Exception {
        RawHttp.Response response = new RawHttp(serverPort).sendBytes(operation.method(), target, headers, body);
        String request = operation + " -> " + target + " headers " + headers.keySet() + " body "
                + (body == null ? "none" : abbreviate(new String(body, StandardCharsets.UTF_8)));
        if (response.status() >= 500) {
            assertThat(response.status())
                    .as("server error for " + request + ": " + response.body())
                    .isEqualTo(503);
            assertThat(response.header("Retry-After"))
                    .as("503 without Retry-After for " + request)
                    .isNotNull();
        }
        if (response.status() >= 400) {
            assertThat(response.header("Content-Type"))
                    .as(request + ": " + response.body())
                    .startsWith("application/problem+json");
            assertThat(response.code()).as(request + ": " + response.body()).isNotBlank();
        }
        if (response.status() == 401
                && headers.getOrDefault("Authorization", "").equals("Bearer " + user.token())) {
            // Something the fuzzer sent ended the session anyway: log in again so later tries stay authenticated.
            user = new Api.User(user.id(), user.handle(), client.login(user.handle(), Api.PASSWORD));
        }
    }

    private static String abbreviate(String text) {
        return text.length() <= 400 ? text : text.substring(0, 400) + "...";
    }

    private static String token() {
        return user.token();
    }

    private static List<Operation> readOperations(JsonNode document) {
        List<Operation> found = new ArrayList<>();
        for (Map.Entry<String, JsonNode> path : document.get("paths").properties()) {
            for (Map.Entry<String, JsonNode> entry : path.getValue().properties()) {
                if (!METHODS.contains(entry.getKey())) {
                    continue;
                }
                String method = entry.getKey().toUpperCase(java.util.Locale.ROOT);
                if (SKIPPED.contains(method + " " + path.getKey())) {
                    continue;
                }
                List<JsonNode> parameters = new ArrayList<>();
                JsonNode declared = entry.getValue().get("parameters");
                if (declared != null) {
                    declared.forEach(parameters::add);
                }
                JsonNode schema = entry.getValue().at("/requestBody/content/application~1json/schema");
                found.add(new Operation(method, path.getKey(), parameters, schema.isMissingNode() ? null : schema));
            }
        }
        assertThat(found).hasSizeGreaterThan(20);
        return found;
    }

    private static String target(Operation operation, Random random, Iterator<String> pool) {
        String path = operation.path();
        StringBuilder query = new StringBuilder();
        for (JsonNode parameter : operation.parameters()) {
            String name = parameter.get("name").asString();
            String in = parameter.get("in").asString();
            if ("path".equals(in)) {
                path = path.replace("{" + name + "}", encode(nonEmpty(pool.next())));
            } else if ("query".equals(in) && random.nextInt(3) > 0) {
                query.append(query.isEmpty() ? '?' : '&')
                        .append(encode(name))
                        .append('=')
                        .append(encode(pool.next()));
            }
        }
        if (random.nextInt(5) == 0) {
            query.append(query.isEmpty() ? '?' : '&')
                    .append(encode(pool.next()))
                    .append('=')
                    .append(encode(pool.next()));
        }
        return path.replaceAll("\\{[^}]*}", "x") + query;
    }

    private static byte[] bodyBytes(Operation operation, Random random, Iterator<String> pool) {
        if (random.nextInt(12) == 0) {
            return pool.next().getBytes(StandardCharsets.UTF_8);
        }
        JsonNode schema = operation.bodySchema() == null ? JSON.createObjectNode() : resolve(operation.bodySchema());
        return JSON.writeValueAsBytes(value(schema, random, pool, 0));
    }

    private static JsonNode resolve(JsonNode schema) {
        JsonNode ref = schema.get("$ref");
        return ref == null ? schema : document.at(ref.asString().substring(1));
    }

    /** A value for {@code schema}: usually of its type, sometimes of a wrong one; objects miss fields and gain extras. */
    private static JsonNode value(JsonNode schema, Random random, Iterator<String> pool, int depth) {
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        schema = resolve(schema);
        String type =
                schema.has("type") ? schema.get("type").asString() : schema.has("properties") ? "object" : "string";
        if (random.nextInt(6) == 0 || depth > 3) {
            type = new String[] {"string", "integer", "number", "boolean", "null", "array", "object"}
                    [random.nextInt(7)];
        }
        switch (type) {
            case "object" -> {
                ObjectNode object = nodes.objectNode();
                JsonNode properties = schema.get("properties");
                if (properties != null) {
                    for (Map.Entry<String, JsonNode> property : properties.properties()) {
                        if (random.nextInt(5) > 0) {
                            object.set(property.getKey(), value(property.getValue(), random, pool, depth + 1));
                        }
                    }
                }
                if (random.nextInt(4) == 0) {
                    object.set(pool.next(), value(JSON.createObjectNode(), random, pool, depth + 1));
                }
                return object;
            }
            case "array" -> {
                ArrayNode array = nodes.arrayNode();
                JsonNode items = schema.has("items") ? schema.get("items") : JSON.createObjectNode();
                for (int i = random.nextInt(4); i > 0; i--) {
                    array.add(value(items, random, pool, depth + 1));
                }
                return array;
            }
            case "integer" -> {
                return random.nextBoolean()
                        ? nodes.numberNode(random.nextLong())
                        : nodes.numberNode(new java.math.BigInteger("9".repeat(1 + random.nextInt(60))));
            }
            case "number" -> {
                return nodes.numberNode(
                        new java.math.BigDecimal(random.nextGaussian() * Math.pow(10, random.nextInt(30))));
            }
            case "boolean" -> {
                return nodes.booleanNode(random.nextBoolean());
            }
            case "null" -> {
                return nodes.nullNode();
            }
            default -> {
                JsonNode choices = schema.get("enum");
                if (choices != null && choices.size() > 0 && random.nextBoolean()) {
                    return choices.get(random.nextInt(choices.size()));
                }
                if (random.nextInt(3) == 0) {
                    // Plausible amounts get past the syntax checks into the business logic.
                    return nodes.stringNode(random.nextInt(1000) + "." + String.format("%02d", random.nextInt(100)));
                }
                return nodes.stringNode(pool.next());
            }
        }
    }

    private static Iterator<String> cycle(List<String> strings) {
        return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return true;
            }

            @Override
            public String next() {
                return strings.get(next++ % strings.size());
            }
        };
    }

    private static String nonEmpty(String value) {
        return value.isEmpty() ? "0" : value;
    }

    /** Header values go out as ISO-8859-1 bytes: the UTF-8 bytes of the string, without line breaks. */
    private static String headerSafe(String value) {
        String bytes = new String(value.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
        return bytes.replace('\r', ' ').replace('\n', ' ').replace('\u0000', ' ');
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
