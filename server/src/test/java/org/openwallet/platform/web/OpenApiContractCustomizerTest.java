package org.openwallet.platform.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.method.HandlerMethod;

/** What {@link OpenApiContract} derives from a handler's declarations, without a server. */
class OpenApiContractCustomizerTest {
    private final OpenApiContract contract = new OpenApiContract();

    @SuppressWarnings("unused")
    static class Handlers {
        void undeclared() {}

        @ApiContract(problems = ProblemCode.NOT_FOUND)
        void idempotentWrite(@RequestHeader(name = "Idempotency-Key", required = false) String key) {}

        @ApiContract(access = ApiContract.Access.ADMIN_OR_SUPPORT, rateLimited = true)
        void adminPage(@RequestParam(required = false) String cursor) {}

        @ApiContract(access = ApiContract.Access.PUBLIC)
        void open() {}
    }

    private static HandlerMethod handler(String name) throws NoSuchMethodException {
        for (var method : Handlers.class.getDeclaredMethods()) {
            if (method.getName().equals(name)) {
                return new HandlerMethod(new Handlers(), method);
            }
        }
        throw new NoSuchMethodException(name);
    }

    private static Operation operation() {
        return new Operation()
                .description("Does a thing.")
                .security(List.of(new SecurityRequirement().addList("bearer")))
                .responses(new ApiResponses().addApiResponse("200", new ApiResponse().description("OK")));
    }

    @SuppressWarnings("unchecked")
    private static List<String> codes(Operation operation, String status) {
        ApiResponse response = operation.getResponses().get(status);
        if (response == null) {
            return List.of();
        }
        Schema<?> schema = response.getContent().get(Problem.MEDIA_TYPE).getSchema();
        Schema<?> narrowed = (Schema<?>) schema.getAllOf().get(1);
        return (List<String>) (List<?>) ((Schema<?>) narrowed.getProperties().get("code")).getEnum();
    }

    @Test
    void handlerWithoutContract_isLeftWithoutSecurityForTheContractTestToReport() throws Exception {
        Operation operation = contract.customize(operation(), handler("undeclared"));

        assertThat(operation.getSecurity()).isNull();
        assertThat(operation.getResponses()).containsOnlyKeys("200");
    }

    @Test
    void handlerReadingIdempotencyKey_documentsTheHeaderAndItsProblems() throws Exception {
        Operation operation = contract.customize(operation(), handler("idempotentWrite"));

        assertThat(operation.getParameters()).singleElement().satisfies(parameter -> {
            assertThat(parameter.getName()).isEqualTo("Idempotency-Key");
            assertThat(parameter.getRequired()).isTrue();
        });
        assertThat(codes(operation, "400"))
                .contains("idempotency_key_missing", "idempotency_key_invalid", "validation_failed");
        assertThat(codes(operation, "409")).containsExactly("idempotency_request_in_progress");
        assertThat(codes(operation, "422")).containsExactly("idempotency_key_reused");
        assertThat(codes(operation, "404")).containsExactly("not_found");
        assertThat(codes(operation, "401")).containsExactly("unauthorized");
        assertThat(operation.getResponses().get("200").getHeaders()).containsKey("Idempotent-Replayed");
        assertThat(operation.getResponses().get("503").getHeaders()).containsKey("Retry-After");
        assertThat(operation.getResponses()).doesNotContainKeys("403", "429");
    }

    @Test
    void roleAndRateLimit_addForbiddenRateLimitedHeadersAndTheCursorProblem() throws Exception {
        Operation operation = contract.customize(operation(), handler("adminPage"));

        assertThat(operation.getExtensions()).containsEntry("x-required-roles", List.of("admin", "support"));
        assertThat(operation.getDescription()).startsWith("Does a thing.").contains("admin or support");
        assertThat(codes(operation, "403")).containsExactly("forbidden");
        assertThat(codes(operation, "429")).containsExactly("rate_limited");
        assertThat(codes(operation, "400")).contains("invalid_cursor");
        assertThat(operation.getResponses().get("429").getHeaders())
                .containsKeys("Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset");
        assertThat(operation.getResponses().get("200").getHeaders())
                .containsKeys("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset");
    }

    @Test
    void publicOperation_declaresAnEmptySecurityAndNoUnauthorized() throws Exception {
        Operation operation = contract.customize(operation(), handler("open"));

        assertThat(operation.getSecurity()).isEmpty();
        assertThat(operation.getResponses()).doesNotContainKey("401");
    }
}
