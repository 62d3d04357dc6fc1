package org.openwallet.feed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openwallet.platform.web.ProblemException;

/** Cursors already handed out keep working: known answers captured from the code before {@code platform.Signer}. */
class FeedCursorTest {
    private static final UUID READER = UUID.fromString("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
    private static final FeedStore.Position POSITION = new FeedStore.Position(
            202612, Instant.ofEpochMilli(1764800000123L), UUID.fromString("0190a1b2-0000-7000-8000-000000000042"));
    private static final String OLD_ACTIVITY_CURSOR = "AQAAAxd0AAABmuZG8HsBkKGyAABwAIAAAAAAAABCbVkKa478swzDt21QqrHRMQ";
    private static final String OLD_FEED_CURSOR = "AQEAAxd0AAABmuZG8HsBkKGyAABwAIAAAAAAAABC1eGVTSI992Cys8BHi5febw";

    private static FeedCursor cursor(Path directory) throws IOException {
        byte[] key = new byte[32];
        for (int i = 0; i < key.length; i++) {
            key[i] = (byte) (0x20 + i);
        }
        Path file = Files.writeString(
                directory.resolve("feed-cursor.key"), Base64.getEncoder().encodeToString(key));
        return new FeedCursor(new FeedProperties(file, 20, 512, 32), null);
    }

    @Test
    void encode_givesTheOldCodesCursors(@TempDir Path directory) throws IOException {
        FeedCursor cursor = cursor(directory);

        assertThat(cursor.encode(Timeline.Kind.ACTIVITY, READER, POSITION)).isEqualTo(OLD_ACTIVITY_CURSOR);
        assertThat(cursor.encode(Timeline.Kind.FEED, READER, POSITION)).isEqualTo(OLD_FEED_CURSOR);
    }

    @Test
    void decode_anOldCursor_forItsReaderAndKindOnly(@TempDir Path directory) throws IOException {
        FeedCursor cursor = cursor(directory);

        assertThat(cursor.decode(Timeline.Kind.ACTIVITY, READER, OLD_ACTIVITY_CURSOR))
                .isEqualTo(POSITION);
        assertThatThrownBy(() -> cursor.decode(Timeline.Kind.FEED, READER, OLD_ACTIVITY_CURSOR))
                .isInstanceOf(ProblemException.class);
        assertThatThrownBy(() -> cursor.decode(Timeline.Kind.ACTIVITY, UUID.randomUUID(), OLD_ACTIVITY_CURSOR))
                .isInstanceOf(ProblemException.class);
        String edited = "AQAAAxd0AAABmuZG8HsBkKGyAABwAIAAAAAAAABDbVkKa478swzDt21QqrHRMQ";
        assertThatThrownBy(() -> cursor.decode(Timeline.Kind.ACTIVITY, READER, edited))
                .isInstanceOf(ProblemException.class);
    }
}
