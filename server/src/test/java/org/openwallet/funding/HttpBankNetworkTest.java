package org.openwallet.funding;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.github.resilience4j.retry.RetryRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntUnaryOperator;
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
    /** The status of the bank's answer to its n-th order (from 1); 202 unless a test says otherwise. */
    private final AtomicReference<IntUnaryOperator> status = new AtomicReference<>(n -> 202);
    /** When each order reached the bank, in nanoseconds. */
    private final List<Long> orders = new CopyOnWriteArrayList<>();

    private HttpServer bank;
    private HttpBankNetwork network;

    @BeforeEach
    void startBank() throws IOException {
        bank = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        bank.createContext("/", exchange -> {
            orders.add(System.nanoTime());
            byte[] body = answer.get().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status.get().applyAsInt(orders.size()), body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        bank.start();
        network = network(1);
    }

    private HttpBankNetwork network(int attempts) {
        return new HttpBankNetwork(
                () -> "http://127.0.0.1:" + bank.getAddress().getPort(),
                JsonMapper.builder().build(),
                Duration.ofSeconds(2),
                attempts,
                Clock.systemUTC(),
                RetryRegistry.ofDefaults());
    }

    /** The wait between the bank's n-th and (n+1)-th order. */
    private Duration waitBefore(int order) {
        return Duration.ofNanos(orders.get(order) - orders.get(order - 1));
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

    @Test
    void serverErrorsAndTooManyRequests_areTriedAgainAfter200msThen400ms_untilTheBankTakesTheOrder() {
        answer.set("{\"bank_transfer_id\": \"bt_2\"}");
        status.set(n -> n == 1 ? 503 : n == 2 ? 429 : 202);

        assertThat(network(3).submit(order())).isEqualTo(new BankNetwork.Submission.Accepted("bt_2"));

        assertThat(orders).hasSize(3);
        // Lower bounds only: on two loaded cores a round trip alone has taken 190 ms.
        assertThat(waitBefore(1)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
        assertThat(waitBefore(2)).isGreaterThanOrEqualTo(Duration.ofMillis(400));
    }

    @Test
    void aBankThatKeepsFailing_isTriedBankAttemptsTimes_thenTheOrderIsUnavailableWithTheLastProblem() {
        answer.set("{}");
        status.set(n -> 500 + n);

        assertThat(network(3).submit(order()))
                .isEqualTo(new BankNetwork.Submission.Unavailable("the bank answered 503"));
        assertThat(orders).hasSize(3);
    }

    @Test
    void aRefusal_isNotTriedAgain() {
        answer.set("{\"error\": {\"code\": \"invalid_account\"}}");
        status.set(n -> 400);

        assertThat(network(3).submit(order())).isInstanceOf(BankNetwork.Submission.Rejected.class);
        assertThat(orders).hasSize(1);
    }

    private static BankNetwork.Order order() {
        return new BankNetwork.Order(
                UUID.randomUUID(),
                BankNetwork.Direction.CREDIT,
                "021000021",
                "123456789",
                "Ada Lovelace",
                "10.00",
                "USD");
    }
}
