package org.openwallet.funding;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * The bank adapter against a bank that answers oddly. The bank is outside the system, so a small
 * HTTP server on loopback plays it; the real simulator never sends these answers.
 */
class HttpBankNetworkTest {
    private final AtomicReference<String> answer = new AtomicReference<>();
    private HttpServer bank;
    private HttpBankNetwork network;

    @BeforeEach
    void startBank() throws IOException {
        bank = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        bank.createContext("/", exchange -> {
            byte[] body = answer.get().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(202, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        bank.start();
        network = new HttpBankNetwork(() -> "http://127.0.0.1:" + bank.getAddress().getPort(), JsonMapper.builder().build(),
                Duration.ofSeconds(2), 1, Clock.systemUTC());
    }

    @AfterEach
    void stopBank() {
        bank.stop(0);
    }

    @Test
    void aTwoHundredAnswerWithoutABankTransferId_isStillAnAcceptance_neverAFailureThatWouldReleaseTheHold() {
        for (String unreadable : new String[] {"{}", "accepted", "{\"bank_transfer_id\": 42}", ""}) {
            answer.set(unreadable);
            BankNetwork.Submission submission = network.submit(order());
            assertThat(submission).as(unreadable).isEqualTo(new BankNetwork.Submission.Accepted(null));
        }
    }

    @Test
    void aTwoHundredAnswerWithItsId_isAcceptedUnderThatId() {
        answer.set("{\"bank_transfer_id\": \"bt_1\", \"status\": \"accepted\"}");
        assertThat(network.submit(order())).isEqualTo(new BankNetwork.Submission.Accepted("bt_1"));
    }

    private static BankNetwork.Order order() {
        return new BankNetwork.Order(UUID.randomUUID(), BankNetwork.Direction.CREDIT, "021000021", "123456789", "Ada Lovelace", "10.00", "USD");
    }
}
