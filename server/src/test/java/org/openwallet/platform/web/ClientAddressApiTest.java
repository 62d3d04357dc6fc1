package org.openwallet.platform.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.openwallet.Api;
import org.openwallet.LedgerTestSupport;
import org.openwallet.RawHttp;
import org.openwallet.WalletIntegrationTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * With no trusted proxy (the shipped default), a client's own X-Forwarded-For changes nothing: the
 * IPs a user logs in and pays from, as the fraud rules see them, are the TCP peer's. (With a
 * trusted proxy, see {@code identity.SignUpAndLoginLimitsApiTest}.)
 */
class ClientAddressApiTest extends WalletIntegrationTest {
    private static final String SPOOFED = "203.0.113.77";

    @LocalServerPort
    int serverPort;

    @Test
    void aSpoofedForwardedFor_withNoTrustedProxy_isNotTheIpOfLoginsOrPayments() throws Exception {
        Api.User sender = api.newUser();
        LedgerTestSupport.fund(transactions, ledger, sender.id(), 10_00);
        Api.User recipient = api.newUser();
        RawHttp http = new RawHttp(serverPort);
        Map<String, String> spoofed = Map.of("X-Forwarded-For", SPOOFED);

        RawHttp.Response login = http.send(
                "POST",
                "/v1/auth/login",
                spoofed,
                "{\"handle\":\"" + sender.handle() + "\",\"password\":\"" + Api.PASSWORD + "\"}");
        assertThat(login.status()).as(login.body()).isEqualTo(200);
        RawHttp.Response paid = http.send(
                "POST",
                "/v1/transfers",
                Map.of(
                        "X-Forwarded-For",
                        SPOOFED,
                        "Authorization",
                        "Bearer " + sender.token(),
                        "Idempotency-Key",
                        UUID.randomUUID().toString()),
                "{\"to_handle\":\"" + recipient.handle() + "\",\"amount\":\"1.00\",\"currency\":\"USD\"}");
        assertThat(paid.status()).as(paid.body()).isEqualTo(201);

        // Decisions are written behind the payment, in batches.
        await("the payment's fraud decision")
                .until(() -> !decisionIps(sender.id()).isEmpty());
        assertThat(decisionIps(sender.id())).containsExactly("127.0.0.1");
        List<String> knownIps = jdbc.sql("SELECT ip FROM fraud_known_ips WHERE user_id = ?")
                .param(sender.id())
                .query(String.class)
                .list();
        assertThat(knownIps).doesNotContain(SPOOFED);
    }

    private List<String> decisionIps(UUID senderId) {
        return jdbc.sql("SELECT ip FROM fraud_decisions WHERE sender_id = ?")
                .param(senderId)
                .query(String.class)
                .list();
    }
}
