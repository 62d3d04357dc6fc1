package org.openwallet.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded Redis requires the password kept in its directory, which no other local user can read. */
class EmbeddedRedisTest {
    @TempDir
    Path directory;

    @Test
    void commandWithoutAuth_isRefusedWithNoAuth() throws Exception {
        try (EmbeddedRedis redis = EmbeddedRedis.start(directory)) {
            assertThat(send(redis.port(), "*3\r\n$3\r\nSET\r\n$12\r\nidempotency1\r\n$6\r\nforged\r\n"))
                    .startsWith("-NOAUTH");
            assertThat(send(redis.port(), "*1\r\n$4\r\nPING\r\n")).startsWith("-NOAUTH");
        }
    }

    @Test
    void wrongPassword_isRefused_andThePasswordInTheUriWorks() throws Exception {
        try (EmbeddedRedis redis = EmbeddedRedis.start(directory)) {
            RedisClient wrong = RedisClient.create(RedisURI.builder()
                    .withHost("127.0.0.1")
                    .withPort(redis.port())
                    .withPassword("not-the-password".toCharArray())
                    .build());
            try {
                assertThatThrownBy(() -> wrong.connect().close()).hasStackTraceContaining("WRONGPASS");
            } finally {
                wrong.shutdown();
            }
            RedisClient right = RedisClient.create(redis.uri());
            try (StatefulRedisConnection<String, String> connection = right.connect()) {
                assertThat(connection.sync().set("key", "value")).isEqualTo("OK");
                assertThat(connection.sync().get("key")).isEqualTo("value");
            } finally {
                right.shutdown();
            }
        }
    }

    @Test
    void password_isGeneratedOwnerOnly_keptAcrossRestarts_andNeverOnTheCommandLine() throws Exception {
        String first;
        try (EmbeddedRedis redis = EmbeddedRedis.start(directory)) {
            first = redis.password();
            assertThat(first)
                    .hasSize(64)
                    .isEqualTo(Files.readString(EmbeddedRedis.passwordFile(directory))
                            .strip());
            // What ps shows; Redis rewrites its title once it runs, so the configuration file is what keeps the
            // password out of it from the start.
            assertThat(Files.readString(Path.of("/proc", Long.toString(redis.pid()), "cmdline")))
                    .doesNotContain(first);
            assertThat(Files.readString(directory.resolve("redis.conf"))).contains("requirepass " + first);
        }
        assertThat(permissions(EmbeddedRedis.passwordFile(directory))).isEqualTo("rw-------");
        assertThat(permissions(directory.resolve("redis.conf"))).isEqualTo("rw-------");
        assertThat(permissions(directory)).isEqualTo("rwx------");
        try (EmbeddedRedis restarted = EmbeddedRedis.start(directory)) {
            assertThat(restarted.password()).isEqualTo(first);
            assertThat(send(restarted.port(), "*2\r\n$4\r\nAUTH\r\n$64\r\n" + first + "\r\n"))
                    .startsWith("+OK");
        }
    }

    @Test
    void aServerKilledUnderTheWallet_isStartedAgainOnTheSamePortWithTheSamePassword_butAClosedOneStaysDown()
            throws Exception {
        EmbeddedRedis redis = EmbeddedRedis.start(directory);
        try {
            long killed = redis.pid();
            ProcessHandle server = ProcessHandle.of(killed).orElseThrow();
            server.destroyForcibly();
            server.onExit().get(10, TimeUnit.SECONDS);

            await("Redis started again")
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> redis.pid() != killed && redis.isAlive());
            String auth = "*2\r\n$4\r\nAUTH\r\n$64\r\n" + redis.password() + "\r\n";
            await("the new server answers").atMost(Duration.ofSeconds(30)).until(() -> {
                try {
                    return send(redis.port(), auth).startsWith("+OK");
                } catch (IOException notYet) {
                    return false;
                }
            });
        } finally {
            redis.close();
        }
        long closed = redis.pid();
        assertThat(redis.isAlive()).isFalse();
        // Closing is for good: the directory is free for another server at once, and the closed one is not restarted.
        try (EmbeddedRedis next = EmbeddedRedis.start(directory, redis.port())) {
            assertThat(next.isAlive()).isTrue();
            assertThat(redis.pid()).isEqualTo(closed);
            assertThat(redis.isAlive()).isFalse();
        }
    }

    private static String permissions(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }

    /** Sends raw RESP over a fresh connection, as any local process could, and returns the first reply line. */
    private static String send(int port, String command) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
            socket.setSoTimeout(2_000);
            socket.getOutputStream().write(command.getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int next; (next = in.read()) >= 0 && next != '\n'; ) {
                line.append((char) next);
            }
            return line.toString().strip();
        }
    }
}
