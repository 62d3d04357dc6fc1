package org.openwallet.platform.web;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.UUID;

/**
 * The opaque cursor of keyset-paginated lists ordered by UUIDv7 id: the last id of the page,
 * base64url-encoded. The lists are always filtered by their reader, so an edited cursor can only
 * move within the reader's own rows.
 */
public final class Cursors {
    private Cursors() {}

    public static String encode(UUID lastId) {
        ByteBuffer bytes = ByteBuffer.allocate(16)
                .putLong(lastId.getMostSignificantBits())
                .putLong(lastId.getLeastSignificantBits());
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes.array());
    }

    /** @throws ProblemException 400 {@code invalid_cursor} for anything {@link #encode} did not produce */
    public static UUID decode(String cursor) {
        try {
            byte[] bytes = Base64.getUrlDecoder().decode(cursor);
            if (bytes.length != 16) {
                throw new IllegalArgumentException("cursor length");
            }
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            return new UUID(buffer.getLong(), buffer.getLong());
        } catch (IllegalArgumentException malformed) {
            throw new ProblemException(ProblemCode.INVALID_CURSOR, "cursor is not one this API returned.");
        }
    }
}
