package org.openwallet.feed;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.UUID;
import org.openwallet.platform.config.WalletProperties;
import org.openwallet.platform.crypto.SecretKeys;
import org.openwallet.platform.crypto.Signer;
import org.openwallet.platform.web.ProblemCode;
import org.openwallet.platform.web.ProblemException;
import org.springframework.stereotype.Component;

/**
 * Page cursors of the feed: the position after which the next page starts, sealed with an
 * HMAC-SHA256 tag over the position, the timeline kind and the reader. An edited cursor, one made
 * for another reader, or one from another feed fails the tag and is refused; a cursor can never
 * point a reader at another user's partition.
 */
@Component
class FeedCursor {
    private static final byte FORMAT = 1;
    private static final int TAG_BYTES = 16;
    private static final int POSITION_BYTES = 1 + 1 + 4 + 8 + 16;

    private final Signer signer;

    FeedCursor(FeedProperties feed, WalletProperties wallet) {
        var file = feed.cursorKeyFile() != null
                ? feed.cursorKeyFile()
                : wallet.dataDir().resolve("keys").resolve("feed-cursor.key");
        this.signer = new Signer(SecretKeys.loadOrCreate(file, 32), TAG_BYTES);
    }

    String encode(Timeline.Kind kind, UUID reader, FeedStore.Position position) {
        ByteBuffer bytes = ByteBuffer.allocate(POSITION_BYTES + TAG_BYTES);
        bytes.put(FORMAT)
                .put((byte) kind.ordinal())
                .putInt(position.bucket())
                .putLong(position.createdAt().toEpochMilli())
                .putLong(position.transferId().getMostSignificantBits())
                .putLong(position.transferId().getLeastSignificantBits());
        bytes.put(signer.sign(Arrays.copyOf(bytes.array(), POSITION_BYTES), readerBytes(reader)));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes.array());
    }

    /** @throws ProblemException 400 {@code invalid_cursor} for anything {@link #encode} did not make for this reader and kind */
    FeedStore.Position decode(Timeline.Kind kind, UUID reader, String cursor) {
        byte[] bytes;
        try {
            bytes = Base64.getUrlDecoder().decode(cursor);
        } catch (IllegalArgumentException notBase64) {
            throw invalid();
        }
        if (bytes.length != POSITION_BYTES + TAG_BYTES) {
            throw invalid();
        }
        if (!signer.verifies(
                Arrays.copyOfRange(bytes, POSITION_BYTES, bytes.length),
                Arrays.copyOf(bytes, POSITION_BYTES),
                readerBytes(reader))) {
            throw invalid();
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        if (buffer.get() != FORMAT || buffer.get() != kind.ordinal()) {
            throw invalid();
        }
        return new FeedStore.Position(
                buffer.getInt(), Instant.ofEpochMilli(buffer.getLong()), new UUID(buffer.getLong(), buffer.getLong()));
    }

    private static byte[] readerBytes(UUID reader) {
        return ByteBuffer.allocate(16)
                .putLong(reader.getMostSignificantBits())
                .putLong(reader.getLeastSignificantBits())
                .array();
    }

    private static ProblemException invalid() {
        return new ProblemException(ProblemCode.INVALID_CURSOR, "cursor is not one this feed returned to you.");
    }
}
