package org.openwallet.platform.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openwallet.Api;
import org.openwallet.WalletIntegrationTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/**
 * The served OpenAPI document ({@code /v3/api-docs}) is a contract a client generator relies on:
 * every operation says what it does, who may call it, and every problem it can answer with; the
 * document lints clean under Spectral's {@code spectral:oas} ruleset; and the security it declares
 * is the security the server enforces.
 */
class OpenApiContractTest extends WalletIntegrationTest {
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch");
    private static final Path LINT_PROJECT = Path.of("src", "test", "openapi");
    /** Bounds on the external processes: an install from the registry, then one lint. */
    private static final Duration NPM_CI_TIMEOUT = Duration.ofMinutes(10);

    private static final Duration LINT_TIMEOUT = Duration.ofMinutes(3);
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    @LocalServerPort
    int serverPort;

    private JsonNode document;

    @BeforeEach
    void fetchDocument() {
        Api.Response response = api.get("/v3/api-docs", null);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        document = response.json();
    }

    /** One operation of the document, at its path and method. */
    private record Operation(String path, String method, JsonNode node) {
        String name() {
            return method.toUpperCase() + " " + path;
        }

        boolean isPublic() {
            return node.path("security").isArray() && node.path("security").isEmpty();
        }

        List<String> roles() {
            List<String> roles = new ArrayList<>();
            node.path("x-required-roles").forEach(role -> roles.add(role.asString()));
            return roles;
        }

        boolean hasBody() {
            return node.has("requestBody");
        }

        boolean isIdempotent() {
            for (JsonNode parameter : node.path("parameters")) {
                if (parameter.path("in").asString().equals("header")
                        && parameter.path("name").asString().equals("Idempotency-Key")) {
                    return true;
                }
            }
            return false;
        }
    }

    private List<Operation> operations() {
        List<Operation> operations = new ArrayList<>();
        for (Map.Entry<String, JsonNode> path : document.get("paths").properties()) {
            for (Map.Entry<String, JsonNode> method : path.getValue().properties()) {
                if (METHODS.contains(method.getKey())) {
                    operations.add(new Operation(path.getKey(), method.getKey(), method.getValue()));
                }
            }
        }
        assertThat(operations).as("operations in the document").hasSizeGreaterThan(30);
        return operations;
    }

    /** The last segment of a {@code $ref}, e.g. {@code Problem} for {@code #/components/schemas/Problem}. */
    private static String refName(JsonNode node) {
        String ref = node.path("$ref").asString("");
        return ref.substring(ref.lastIndexOf('/') + 1);
    }

    /** The problem codes a response's schema allows, when it is the problem schema (narrowed or not); null otherwise. */
    private List<String> problemCodes(JsonNode response) {
        JsonNode schema = response.path("content").path(Problem.MEDIA_TYPE).path("schema");
        boolean problem = refName(schema).equals("Problem");
        List<String> codes = new ArrayList<>();
        for (JsonNode part : schema.path("allOf")) {
            problem |= refName(part).equals("Problem");
            part.path("properties").path("code").path("enum").forEach(code -> codes.add(code.asString()));
        }
        return problem ? codes : null;
    }

    private static JsonNode header(JsonNode response, String name) {
        return response.path("headers").path(name);
    }

    @Test
    void everyOperation_documentsItsDescriptionSecurityAndProblems() {
        List<String> defects = new ArrayList<>();
        for (Operation operation : operations()) {
            JsonNode node = operation.node();
            String name = operation.name();
            if (node.path("description").asString("").isBlank()) {
                defects.add(name + ": no description");
            }
            if (!node.path("security").isArray()) {
                defects.add(name + ": no security declaration (annotate the handler with @ApiContract)");
            } else {
                node.path("security").forEach(requirement -> {
                    if (!requirement.has("bearer")) {
                        defects.add(name + ": a security requirement other than bearer: " + requirement);
                    }
                });
            }
            if (!operation.roles().isEmpty() && operation.isPublic()) {
                defects.add(name + ": requires a role but declares no security");
            }
            int errors = 0;
            for (Map.Entry<String, JsonNode> response : node.path("responses").properties()) {
                String status = response.getKey();
                if (!status.matches("[45][0-9][0-9]")) {
                    continue;
                }
                errors++;
                List<String> codes = problemCodes(response.getValue());
                if (codes == null) {
                    defects.add(name + " " + status + ": not the application/problem+json Problem schema");
                    continue;
                }
                if (codes.isEmpty()) {
                    defects.add(name + " " + status + ": lists no problem code");
                }
                for (String code : codes) {
                    ProblemCode known = ProblemCode.valueOf(code.toUpperCase(java.util.Locale.ROOT));
                    if (known.status() != Integer.parseInt(status)) {
                        defects.add(name + " " + status + ": lists " + code + ", which is a " + known.status());
                    }
                }
                if (status.equals("429")
                        && (!header(response.getValue(), "Retry-After").has("$ref")
                                || !header(response.getValue(), "RateLimit-Remaining")
                                        .has("$ref"))) {
                    defects.add(name + " 429: no Retry-After and RateLimit-* headers");
                }
                if (status.equals("503")
                        && !header(response.getValue(), "Retry-After").has("$ref")) {
                    defects.add(name + " 503: no Retry-After header");
                }
            }
            if (errors == 0) {
                defects.add(name + ": documents no error response");
            }
            JsonNode responses = node.path("responses");
            if (!operation.isPublic() && !problemCodesOf(responses, "401").contains("unauthorized")) {
                defects.add(name + ": needs a token but documents no 401 unauthorized");
            }
            if (!operation.roles().isEmpty()
                    && !problemCodesOf(responses, "403").contains("forbidden")) {
                defects.add(name + ": needs a role but documents no 403 forbidden");
            }
            if (operation.isIdempotent()
                    && !(problemCodesOf(responses, "400").contains("idempotency_key_missing")
                            && problemCodesOf(responses, "409").contains("idempotency_request_in_progress")
                            && problemCodesOf(responses, "422").contains("idempotency_key_reused"))) {
                defects.add(name + ": takes an Idempotency-Key but does not document its problems");
            }
        }
        assertThat(defects).as("defects of the OpenAPI document").isEmpty();
    }

    private List<String> problemCodesOf(JsonNode responses, String status) {
        List<String> codes = responses.has(status) ? problemCodes(responses.get(status)) : null;
        return codes == null ? List.of() : codes;
    }

    @Test
    void declaredSecurity_isWhatTheServerEnforces() {
        String userToken = api.newUser().token();
        List<String> defects = new ArrayList<>();
        for (Operation operation : operations()) {
            Response anonymous = send(operation, null);
            if (operation.isPublic()) {
                if ("unauthorized".equals(anonymous.code())) {
                    defects.add(operation.name() + " is documented as public but wants a token: " + anonymous.body());
                }
            } else if (anonymous.status() != 401 || !"unauthorized".equals(anonymous.code())) {
                defects.add(operation.name() + " is documented as needing a token but answered " + anonymous.status()
                        + " " + anonymous.body());
            }
            if (!operation.roles().isEmpty()) {
                Response plainUser = send(operation, userToken);
                if (plainUser.status() != 403 || !"forbidden".equals(plainUser.code())) {
                    defects.add(operation.name() + " is documented as needing " + operation.roles()
                            + " but answered a plain user " + plainUser.status() + " " + plainUser.body());
                }
            }
        }
        assertThat(defects)
                .as("security declared in the document against the server")
                .isEmpty();
    }

    private record Response(int status, String body, String code) {}

    /** A minimal request for an operation: ids filled with fresh UUIDs, required query parameters with values of their type, an empty JSON body. */
    private Response send(Operation operation, String token) {
        String path = operation.path().replaceAll("\\{[^}]+}", UUID.randomUUID().toString());
        List<String> query = new ArrayList<>();
        for (JsonNode parameter : operation.node().path("parameters")) {
            if (parameter.path("in").asString().equals("query")
                    && parameter.path("required").asBoolean(false)) {
                JsonNode schema = parameter.path("schema");
                String value = schema.path("format").asString("").equals("uuid")
                        ? UUID.randomUUID().toString()
                        : schema.path("type").asString("").equals("integer") ? "1" : "x";
                query.add(parameter.path("name").asString() + "=" + value);
            }
        }
        String target = path + (query.isEmpty() ? "" : "?" + String.join("&", query));
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + serverPort + target))
                .timeout(Duration.ofSeconds(30))
                .method(
                        operation.method().toUpperCase(),
                        operation.hasBody()
                                ? HttpRequest.BodyPublishers.ofString("{}")
                                : HttpRequest.BodyPublishers.noBody());
        if (operation.hasBody()) {
            request.header("Content-Type", "application/json");
        }
        if (operation.isIdempotent()) {
            request.header("Idempotency-Key", UUID.randomUUID().toString());
        }
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        try {
            HttpResponse<String> response = CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
            boolean problem =
                    response.headers().firstValue("Content-Type").orElse("").startsWith(Problem.MEDIA_TYPE);
            String code = problem ? new Api.Response(response.statusCode(), response).code() : null;
            return new Response(response.statusCode(), response.body(), code);
        } catch (IOException | InterruptedException exception) {
            throw new IllegalStateException(operation.name(), exception);
        }
    }

    @Test
    void servedDocument_lintsCleanUnderSpectralOas() throws Exception {
        Path file = Path.of("target", "openapi", "openapi.json").toAbsolutePath();
        Files.createDirectories(file.getParent());
        Files.writeString(file, document.toPrettyString());
        Path spectral = spectral();

        // A non-zero exit (any error or warning) fails the test with Spectral's findings as the message.
        run(
                new ProcessBuilder(
                        spectral.toString(),
                        "lint",
                        file.toString(),
                        "--ruleset",
                        LINT_PROJECT.resolve(".spectral.yaml").toAbsolutePath().toString(),
                        "--fail-severity",
                        "warn",
                        "--format",
                        "text"),
                LINT_TIMEOUT);
    }

    /**
     * The pinned Spectral CLI, installed with {@code npm ci} from the checked-in lock file into a
     * cache outside the work tree, keyed by the lock file's hash: a clean checkout (CI) installs it
     * once per lock file, and a changed lock file gets a fresh install. It is installed next to
     * the cache entry and moved in whole, so an interrupted install never looks complete.
     */
    private static Path spectral() throws IOException, InterruptedException {
        byte[] lock = Files.readAllBytes(LINT_PROJECT.resolve("package-lock.json"));
        String key = HexFormat.of().formatHex(sha256(lock)).substring(0, 16);
        Path cache = Path.of(System.getProperty("user.home"), ".cache", "openwallet", "spectral-" + key);
        Path binary = cache.resolve("node_modules").resolve(".bin").resolve("spectral");
        if (Files.isExecutable(binary)) {
            return binary;
        }
        Path staging = Files.createTempDirectory(Files.createDirectories(cache.getParent()), "spectral-install-");
        Files.copy(LINT_PROJECT.resolve("package.json"), staging.resolve("package.json"));
        Files.write(staging.resolve("package-lock.json"), lock);
        // --ignore-scripts: nothing in the lint tool needs an install script, and none may run code here.
        run(
                new ProcessBuilder("npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund")
                        .directory(staging.toFile()),
                NPM_CI_TIMEOUT);
        try {
            Files.move(staging, cache, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException anotherInstallWon) {
            if (!Files.isExecutable(binary)) {
                throw anotherInstallWon;
            }
        }
        return binary;
    }

    /** Runs a process to its end within the timeout and returns its output (stdout and stderr, through a file so no pipe fills). */
    private static String run(ProcessBuilder builder, Duration timeout) throws IOException, InterruptedException {
        Path log = Files.createTempFile("openapi-lint-", ".log");
        Process process;
        try {
            process = builder.redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
        } catch (IOException cannotStart) {
            throw new IllegalStateException(
                    "Cannot run " + builder.command() + ": the OpenAPI lint needs node 18+ and npm on the PATH "
                            + "(apt-get install nodejs npm; .ci/run installs them)",
                    cannotStart);
        }
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor();
            throw new IllegalStateException(
                    "Timed out after " + timeout + ": " + builder.command() + "\n" + Files.readString(log));
        }
        String output = Files.readString(log);
        Files.delete(log);
        assertThat(process.exitValue())
                .as(builder.command() + " exited " + process.exitValue() + ":\n" + output)
                .isZero();
        return output;
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException impossible) {
            throw new IllegalStateException(impossible);
        }
    }
}
