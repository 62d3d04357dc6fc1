package org.openwallet.platform.web;

import io.swagger.v3.core.converter.ModelConverters;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.headers.Header;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.parameters.Parameter;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.tags.Tag;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springdoc.core.customizers.OperationCustomizer;
import org.springframework.core.MethodParameter;
import org.springframework.stereotype.Component;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.method.HandlerMethod;

/**
 * Builds the shared part of every operation's OpenAPI contract from what the code declares, so it
 * cannot drift from the code and is never copied by hand: the security and required roles from
 * {@link ApiContract#access()}; one problem+json response per status with the {@code code} values
 * behind it (the {@link Problem} schema narrowed to an enum); the {@code Idempotency-Key} header and
 * its problems for every handler that reads that header; the {@code RateLimit-*} and
 * {@code Retry-After} headers where a rate limit applies or a 503 can answer.
 *
 * <p>A handler without {@link ApiContract} is left undeclared (no security, no problems), which the
 * contract test reports by name: a new endpoint cannot be published half-documented by accident.
 */
@Component
class OpenApiContract implements OperationCustomizer, OpenApiCustomizer {
    static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    private static final String BEARER = "bearer";
    private static final String HEADERS = "#/components/headers/";
    private static final String RETRY_AFTER = "Retry-After";
    private static final String WWW_AUTHENTICATE = "WWW-Authenticate";
    private static final String IDEMPOTENT_REPLAYED = "Idempotent-Replayed";
    private static final List<String> RATE_LIMIT_HEADERS =
            List.of("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset");
    /**
     * What any operation can answer: a request the edge refuses before the handler (a non-canonical
     * path, an oversized body, a malformed parameter), a bug, and an overloaded or unreachable
     * dependency (no database connection in time; 503 with Retry-After, safe to retry).
     */
    private static final Set<ProblemCode> EVERY_OPERATION =
            EnumSet.of(ProblemCode.VALIDATION_FAILED, ProblemCode.INTERNAL_ERROR, ProblemCode.SERVICE_UNAVAILABLE);

    private static final Set<ProblemCode> IDEMPOTENT = EnumSet.of(
            ProblemCode.IDEMPOTENCY_KEY_MISSING,
            ProblemCode.IDEMPOTENCY_KEY_INVALID,
            ProblemCode.IDEMPOTENCY_REQUEST_IN_PROGRESS,
            ProblemCode.IDEMPOTENCY_KEY_REUSED);

    @Override
    public Operation customize(Operation operation, HandlerMethod handler) {
        ApiContract contract = handler.getMethodAnnotation(ApiContract.class);
        if (contract == null) {
            operation.setSecurity(null);
            return operation;
        }
        Set<ProblemCode> problems = EnumSet.copyOf(EVERY_OPERATION);
        problems.addAll(Arrays.asList(contract.problems()));
        ApiContract.Access access = contract.access();
        operation.setSecurity(access.bearer() ? List.of(new SecurityRequirement().addList(BEARER)) : List.of());
        if (access.bearer()) {
            problems.add(ProblemCode.UNAUTHORIZED);
        }
        if (access.roles().length > 0) {
            problems.add(ProblemCode.FORBIDDEN);
            operation.addExtension("x-required-roles", List.of(access.roles()));
            operation.setDescription(sentences(
                    operation.getDescription(),
                    "Only for callers with the role " + String.join(" or ", access.roles())
                            + "; anyone else gets 403 forbidden."));
        }
        if (operation.getRequestBody() != null) {
            problems.add(ProblemCode.UNSUPPORTED_MEDIA_TYPE);
        }
        if (respondsWithBody(operation)) {
            problems.add(ProblemCode.NOT_ACCEPTABLE);
        }
        if (takesCursor(handler)) {
            problems.add(ProblemCode.INVALID_CURSOR);
        }
        boolean idempotent = takesIdempotencyKey(handler);
        if (idempotent) {
            problems.addAll(IDEMPOTENT);
            declareIdempotencyKey(operation);
        }
        if (contract.rateLimited()) {
            problems.add(ProblemCode.RATE_LIMITED);
        }
        ApiResponses responses = operation.getResponses() == null ? new ApiResponses() : operation.getResponses();
        for (Map.Entry<String, ApiResponse> success : responses.entrySet()) {
            if (success.getKey().startsWith("2")) {
                if (idempotent) {
                    success.getValue().addHeaderObject(IDEMPOTENT_REPLAYED, ref(IDEMPOTENT_REPLAYED));
                }
                if (contract.rateLimited()) {
                    RATE_LIMIT_HEADERS.forEach(name -> success.getValue().addHeaderObject(name, ref(name)));
                }
            }
        }
        SortedMap<Integer, List<ProblemCode>> byStatus = problems.stream()
                .collect(Collectors.groupingBy(ProblemCode::status, TreeMap::new, Collectors.toList()));
        byStatus.forEach((status, codes) -> responses.put(
                Integer.toString(status),
                problemResponse(responses.get(Integer.toString(status)), status, codes, contract)));
        operation.setResponses(sorted(responses));
        return operation;
    }

    /** The handler reads the Idempotency-Key header: it is an idempotent write, whatever its annotations say. */
    private static boolean takesIdempotencyKey(HandlerMethod handler) {
        for (MethodParameter parameter : handler.getMethodParameters()) {
            RequestHeader header = parameter.getParameterAnnotation(RequestHeader.class);
            if (header != null
                    && (IDEMPOTENCY_KEY.equalsIgnoreCase(header.name())
                            || IDEMPOTENCY_KEY.equalsIgnoreCase(header.value()))) {
                return true;
            }
        }
        return false;
    }

    /** The handler takes a page cursor: every cursor is decoded and verified by {@link Cursors} or the feed's own, which refuse a bad one. */
    private static boolean takesCursor(HandlerMethod handler) {
        for (MethodParameter parameter : handler.getMethodParameters()) {
            RequestParam param = parameter.getParameterAnnotation(RequestParam.class);
            if (param != null
                    && "cursor"
                            .equals(
                                    param.name().isEmpty()
                                            ? (param.value().isEmpty()
                                                    ? parameter.getParameter().getName()
                                                    : param.value())
                                            : param.name())) {
                return true;
            }
        }
        return false;
    }

    private static void declareIdempotencyKey(Operation operation) {
        if (operation.getParameters() != null) {
            operation.getParameters().removeIf(parameter -> IDEMPOTENCY_KEY.equalsIgnoreCase(parameter.getName()));
        }
        // Required, although the handler takes it as optional: it answers 400 idempotency_key_missing without one.
        operation.addParametersItem(new Parameter()
                .in("header")
                .name(IDEMPOTENCY_KEY)
                .required(true)
                .description("""
                        Unique per intended operation, 1-255 printable ASCII characters. A retry with the same key and body \
                        answers the first response again (header Idempotent-Replayed: true) and never does the work twice; \
                        the same key with another body is 422 idempotency_key_reused, and while the first request still runs, \
                        409 idempotency_request_in_progress.""")
                .schema(typed("string").minLength(1).maxLength(255)));
    }

    private static boolean respondsWithBody(Operation operation) {
        return operation.getResponses() != null
                && operation.getResponses().entrySet().stream()
                        .anyMatch(response -> response.getKey().startsWith("2")
                                && response.getValue().getContent() != null
                                && !response.getValue().getContent().isEmpty());
    }

    /** The response for one error status: the method's own description when it has one, the codes' titles otherwise. */
    private static ApiResponse problemResponse(
            ApiResponse declared, int status, List<ProblemCode> codes, ApiContract contract) {
        ApiResponse response = declared == null ? new ApiResponse() : declared;
        if (response.getDescription() == null || response.getDescription().isBlank()) {
            response.setDescription(codes.stream()
                    .map(code -> code.value() + ": " + code.title())
                    .collect(Collectors.joining("; ")));
        }
        Schema<Object> narrowed = new Schema<>();
        narrowed.addProperty(
                "code", stringEnum(codes.stream().map(ProblemCode::value).toList()));
        Schema<Object> schema = new Schema<>();
        schema.setAllOf(List.of(new Schema<>().$ref("#/components/schemas/Problem"), narrowed));
        response.setContent(new Content().addMediaType(Problem.MEDIA_TYPE, new MediaType().schema(schema)));
        if (status == 401) {
            response.addHeaderObject(WWW_AUTHENTICATE, ref(WWW_AUTHENTICATE));
        }
        if (status == 429) {
            response.addHeaderObject(RETRY_AFTER, ref(RETRY_AFTER));
            RATE_LIMIT_HEADERS.forEach(name -> response.addHeaderObject(name, ref(name)));
        }
        if (status == 503) {
            response.addHeaderObject(RETRY_AFTER, ref(RETRY_AFTER));
        }
        return response;
    }

    private static ApiResponses sorted(ApiResponses responses) {
        ApiResponses sorted = new ApiResponses();
        responses.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .forEach(entry -> sorted.addApiResponse(entry.getKey(), entry.getValue()));
        return sorted;
    }

    private static Header ref(String name) {
        return new Header().$ref(HEADERS + name);
    }

    private static String sentences(String first, String second) {
        return first == null || first.isBlank()
                ? null
                : first.strip() + (first.strip().endsWith(".") ? " " : ". ") + second;
    }

    /** The shared components every operation refers to, and every tag an operation uses declared at the top. */
    @Override
    public void customise(OpenAPI openApi) {
        Components components = openApi.getComponents() == null ? new Components() : openApi.getComponents();
        openApi.setComponents(components);
        components.addSchemas("Problem", problemSchema(openApi));
        components.addHeaders(
                RETRY_AFTER,
                integerHeader("Seconds to wait before retrying; a retry with the same Idempotency-Key is safe."));
        components.addHeaders(
                "RateLimit-Limit", integerHeader("Requests allowed in the window of the tightest limit that applies."));
        components.addHeaders("RateLimit-Remaining", integerHeader("Requests left in that window."));
        components.addHeaders("RateLimit-Reset", integerHeader("Seconds until that window has room again."));
        components.addHeaders(
                WWW_AUTHENTICATE,
                new Header()
                        .description("Bearer: send Authorization: Bearer <access token>.")
                        .schema(stringEnum(List.of("Bearer"))));
        components.addHeaders(
                IDEMPOTENT_REPLAYED,
                new Header()
                        .description(
                                "true when this is the stored response of an earlier request with the same Idempotency-Key.")
                        .schema(stringEnum(List.of("true"))));
        Set<String> declared = openApi.getTags() == null
                ? Set.of()
                : openApi.getTags().stream().map(Tag::getName).collect(Collectors.toSet());
        Set<String> used = new java.util.TreeSet<>();
        if (openApi.getPaths() != null) {
            openApi.getPaths()
                    .values()
                    .forEach(path -> path.readOperations().forEach(operation -> {
                        if (operation.getTags() != null) {
                            used.addAll(operation.getTags());
                        }
                    }));
        }
        used.stream().filter(tag -> !declared.contains(tag)).forEach(tag -> openApi.addTagsItem(new Tag().name(tag)));
    }

    /** The {@link Problem} record's schema, with {@code code} an enum of every {@link ProblemCode}. */
    @SuppressWarnings({"rawtypes", "unchecked"})
    private static Schema<?> problemSchema(OpenAPI openApi) {
        boolean openApi31 = openApi.getOpenapi() != null && openApi.getOpenapi().startsWith("3.1");
        Map<String, Schema> read = ModelConverters.getInstance(openApi31).read(Problem.class);
        Schema<?> problem = read.get("Problem");
        Map<String, Schema> properties = new LinkedHashMap<>(problem.getProperties());
        List<String> codes = new ArrayList<>();
        for (ProblemCode code : ProblemCode.values()) {
            codes.add(code.value());
        }
        Schema code = properties.get("code");
        code.setEnum(codes);
        code.setDescription(
                "Stable and machine-readable: clients switch on it. Each response lists the codes it can carry.");
        properties.get("type").setDescription("urn:openwallet:problem:<code>");
        properties.get("title").setDescription("For people; may change.");
        properties.get("status").setDescription("The HTTP status.");
        properties.get("detail").setDescription("For people: what happened to this request.");
        properties
                .get("reason")
                .setDescription(
                        "Why, as a stable value, where a code has several causes (e.g. why a payment was declined).");
        problem.setProperties(properties);
        problem.setRequired(List.of("type", "title", "status", "code"));
        problem.setDescription("An RFC 9457 problem details document (application/problem+json).");
        return problem;
    }

    /** A schema of one type, stated both ways (OpenAPI 3.0's type, 3.1's types) so it serializes in either version. */
    private static Schema<Object> typed(String type) {
        Schema<Object> schema = new Schema<>();
        schema.setType(type);
        schema.setTypes(Set.of(type));
        return schema;
    }

    private static Schema<String> stringEnum(List<String> values) {
        Schema<String> schema = new Schema<>();
        schema.setType("string");
        schema.setTypes(Set.of("string"));
        schema.setEnum(values);
        return schema;
    }

    private static Header integerHeader(String description) {
        return new Header().description(description).schema(typed("integer").minimum(java.math.BigDecimal.ZERO));
    }
}
