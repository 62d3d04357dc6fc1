package org.openwallet.bank;

import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * JSON in and out. Bodies are read as plain maps and checked field by field (see
 * {@link TransferRequest#parse}), so a wrong type is a 400 naming the field, never a half-bound object.
 * A key given twice is refused: two readers of one body must not see two different requests.
 */
final class Json {
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private Json() {}

    /** The JSON object in {@code body}; a 400 {@code invalid_json} for anything else. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> object(byte[] body) {
        Object value;
        try {
            value = MAPPER.readValue(body, Object.class);
        } catch (JacksonException malformed) {
            throw ApiException.badRequest(
                    "invalid_json", "The body is not valid JSON: " + malformed.getOriginalMessage());
        }
        if (!(value instanceof Map<?, ?> object)) {
            throw ApiException.badRequest("invalid_json", "The body must be a JSON object");
        }
        return (Map<String, Object>) object;
    }

    static byte[] bytes(Object value) {
        return MAPPER.writeValueAsBytes(value);
    }
}
