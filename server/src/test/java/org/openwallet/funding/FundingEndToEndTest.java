package org.openwallet.funding;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openwallet.Api;
import org.openwallet.LedgerTestSupport;
import org.openwallet.OwnDataDirectory;
import org.openwallet.WalletIntegrationTest;
import org.openwallet.ledger.Ledger;
import org.openwallet.ledger.LedgerVerifier;
import org.openwallet.platform.EmbeddedBankSimulator;
import org.openwallet.platform.Transactions;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Deposits and withdrawals end to end, with the bank simulator as the real separate process the
 * wallet starts: orders over HTTP, signed webhooks back, through Kafka to the ledger. The bank runs
 * in business-days mode and this test moves its clock, so each outcome comes when the test says.
 */
@ContextConfiguration(initializers = OwnDataDirectory.class)
@TestPropertySource(properties = {"test.context=funding-end-to-end", "wallet.admin.handles=" + FundingEndToEndTest.ADMIN})
@DirtiesContext
class FundingEndToEndTest extends WalletIntegrationTest {
    static final String ADMIN = "recon_admin";
    static final String ROUTING = "110000000";
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Autowired
    EmbeddedBankSimulator bank;
    @Autowired
    Transactions transactions;
    @Autowired
    Ledger ledger;
    @Autowired
    LedgerVerifier verifier;

    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void businessDays() {
        bankAdmin("/admin/config", Map.of("mode", "business_days", "duplicate_webhooks", false, "out_of_order", false, "failure_rate", 0));
    }

    @Test
    void deposit_isPendingAndNotSpendable_untilTheBankSettlesIt() {
        Api.User user = api.newUser();
        Api.User friend = api.newUser();
        String account = link(user, "123456789");

        Api.Response deposit = api.post("/v1/funding/deposit", user.token(), UUID.randomUUID().toString(),
                Map.of("bank_account_id", account, "amount", "100.00", "currency", "USD"));
        assertThat(deposit.status()).as(deposit.body()).isEqualTo(202);
        assertThat(deposit.json().get("status").asString()).isEqualTo("pending");
        String id = deposit.json().get("id").asString();
        JsonNode balance = api.get("/v1/accounts/me/balance", user.token()).json();
        assertThat(balance.get("pending").asString()).isEqualTo("100.00");
        assertThat(balance.get("available").asString()).isEqualTo("0.00");
        assertThat(api.pay(user, friend, "50.00").code()).as("pending money is not spendable").isEqualTo("insufficient_funds");

        awaitBankAccepted(id);
        advanceBankClock(Duration.ofDays(7));

        awaitStatus(user, "/v1/funding/deposits/" + id, "settled");
        JsonNode settled = api.get("/v1/accounts/me/balance", user.token()).json();
        assertThat(settled.get("available").asString()).isEqualTo("100.00");
        assertThat(settled.get("pending").asString()).isEqualTo("0.00");
        assertThat(api.pay(user, friend, "50.00").status()).isEqualTo(201);
        assertThat(verifier.verify().ok()).isTrue();
    }

    @Test
    void withdrawal_holdsTheFunds_andCannotOverspendWhilePending() {
        Api.User user = api.newUser();
        Api.User friend = api.newUser();
        LedgerTestSupport.fund(transactions, ledger, user.id(), 10_000);
        String account = link(user, "987654321");

        Api.Response first = withdraw(user, account, "80.00", "standard");
        assertThat(first.status()).as(first.body()).isEqualTo(202);
        assertThat(api.available(user)).isEqualTo("20.00");
        assertThat(withdraw(user, account, "30.00", "standard").code()).isEqualTo("insufficient_funds");
        assertThat(api.pay(user, friend, "30.00").code()).isEqualTo("insufficient_funds");

        awaitBankAccepted(first.json().get("id").asString());
        advanceBankClock(Duration.ofDays(7));
        awaitStatus(user, "/v1/funding/withdrawals/" + first.json().get("id").asString(), "settled");
        assertThat(api.available(user)).isEqualTo("20.00");
        assertThat(api.get("/v1/accounts/me/balance", user.token()).json().get("pending").asString()).isEqualTo("0.00");
    }

    @Test
    void returnedInstantWithdrawal_restoresTheFundsAndTheFee() {
        Api.User user = api.newUser();
        LedgerTestSupport.fund(transactions, ledger, user.id(), 20_000);
        // The simulator returns credits to accounts ending 0002 with R02 (account closed).
        String closed = link(user, "5550002");

        Api.Response withdrawal = withdraw(user, closed, "100.00", "instant");
        assertThat(withdrawal.status()).as(withdrawal.body()).isEqualTo(202);
        assertThat(withdrawal.json().get("fee").asString()).isEqualTo("1.75");
        assertThat(api.available(user)).isEqualTo("98.25");

        String id = withdrawal.json().get("id").asString();
        awaitBankAccepted(id);
        advanceBankClock(Duration.ofDays(7));
        JsonNode returned = awaitStatus(user, "/v1/funding/withdrawals/" + id, "returned");
        assertThat(returned.get("reason_code").asString()).isEqualTo("R02");
        assertThat(api.available(user)).isEqualTo("200.00");
        assertThat(verifier.verify().ok()).isTrue();
    }

    @Test
    void duplicatedAndReorderedWebhooks_moveMoneyOnce() {
        bankAdmin("/admin/config", Map.of("duplicate_webhooks", true, "out_of_order", true, "out_of_order_window", 4,
                "out_of_order_max_hold_millis", 500));
        Api.User user = api.newUser();
        String account = link(user, "44440000");
        List<String> ids = new ArrayList<>();
        for (int i = 1; i <= 6; i++) {
            Api.Response deposit = api.post("/v1/funding/deposit", user.token(), UUID.randomUUID().toString(),
                    Map.of("bank_account_id", account, "amount", i + ".00", "currency", "USD"));
            assertThat(deposit.status()).isEqualTo(202);
            ids.add(deposit.json().get("id").asString());
        }
        ids.forEach(this::awaitBankAccepted);
        advanceBankClock(Duration.ofDays(7));
        for (String id : ids) {
            awaitStatus(user, "/v1/funding/deposits/" + id, "settled");
        }
        // Let every duplicate arrive: the bank sends each event twice, shuffled.
        awaitBank(stats -> stats.get("webhooks").get("pending").asInt() == 0 && stats.get("webhooks").get("held").asInt() == 0);

        assertThat(api.available(user)).isEqualTo("21.00");
        for (String id : ids) {
            assertThat(jdbc.sql("SELECT count(*) FROM funding_transitions WHERE request_id = ?::uuid AND to_status = 'settled'")
                    .param(id).query(Integer.class).single()).isEqualTo(1);
            assertThat(jdbc.sql("SELECT count(*) FROM ledger_transfers WHERE reference = 'pending:' || "
                    + "(SELECT pending_transfer_id FROM funding_requests WHERE id = ?::uuid)").param(id).query(Integer.class).single()).isEqualTo(1);
        }
        assertThat(verifier.verify().ok()).isTrue();
    }

    @Test
    void reconciliation_findsAPlantedDiscrepancy_andNothingElse() {
        Api.User user = api.newUser();
        String account = link(user, "31415926");
        Api.Response deposit = api.post("/v1/funding/deposit", user.token(), UUID.randomUUID().toString(),
                Map.of("bank_account_id", account, "amount", "42.00", "currency", "USD"));
        String id = deposit.json().get("id").asString();
        awaitBankAccepted(id);
        advanceBankClock(Duration.ofDays(7));
        awaitStatus(user, "/v1/funding/deposits/" + id, "settled");
        String bankDay = bankAdmin("/admin/clock", null).get("now").asString().substring(0, 10);
        UUID stranger = UUID.randomUUID();
        bankAdmin("/admin/settlements", Map.of("direction", "debit", "amount", "5.00", "request_id", stranger.toString()));

        Api.User admin = adminUser();
        Api.Response run = api.post("/v1/admin/reconciliations", admin.token(), null, Map.of("date", bankDay));
        assertThat(run.status()).as(run.body()).isEqualTo(201);
        List<JsonNode> differences = new ArrayList<>();
        run.json().get("differences").forEach(differences::add);
        assertThat(differences).as(run.body()).anyMatch(d -> d.get("kind").asString().equals("missing_in_ledger")
                && d.get("request_id").asString().equals(stranger.toString()));
        assertThat(differences).as("our own settled deposit matches the bank's report")
                .noneMatch(d -> d.has("request_id") && !d.get("request_id").isNull() && d.get("request_id").asString().equals(id));
        Api.Response forbidden = api.post("/v1/admin/reconciliations", user.token(), null, Map.of("date", bankDay));
        assertThat(forbidden.code()).isEqualTo("forbidden");
        Api.Response stored = api.get("/v1/admin/reconciliations/" + run.json().get("id").asString(), admin.token());
        assertThat(stored.json().get("differences").size()).isEqualTo(differences.size());
    }

    private Api.User adminUser() {
        Api.Response signUp = api.post("/v1/auth/signup", null, null, Map.of("handle", ADMIN, "password", Api.PASSWORD));
        assertThat(signUp.status()).isIn(201, 409);
        String token = api.login(ADMIN, Api.PASSWORD);
        return new Api.User(null, ADMIN, token);
    }

    private String link(Api.User user, String accountNumber) {
        Api.Response linked = api.post("/v1/bank-accounts", user.token(), null,
                Map.of("routing_number", ROUTING, "account_number", accountNumber, "holder_name", "Test Holder"));
        assertThat(linked.status()).as(linked.body()).isIn(200, 201);
        return linked.json().get("id").asString();
    }

    private Api.Response withdraw(Api.User user, String account, String amount, String speed) {
        return api.post("/v1/funding/withdrawals", user.token(), UUID.randomUUID().toString(),
                Map.of("bank_account_id", account, "amount", amount, "currency", "USD", "speed", speed));
    }

    /** The order reached the bank (it is sent after the commit, in the background). */
    private void awaitBankAccepted(String requestId) {
        await(() -> jdbc.sql("SELECT submitted_at IS NOT NULL FROM funding_requests WHERE id = ?::uuid").param(requestId)
                .query(Boolean.class).single(), "request " + requestId + " accepted by the bank");
    }

    private JsonNode awaitStatus(Api.User user, String path, String status) {
        await(() -> status.equals(api.get(path, user.token()).json().get("status").asString()), path + " " + status);
        return api.get(path, user.token()).json();
    }

    private void awaitBank(Predicate<JsonNode> condition) {
        await(() -> condition.test(bankAdmin("/admin/stats", null)), "the bank's webhooks delivered");
    }

    private void advanceBankClock(Duration by) {
        bankAdmin("/admin/clock/advance", Map.of("seconds", by.toSeconds()));
    }

    private JsonNode bankAdmin(String path, Object body) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(bank.baseUrl() + path)).timeout(Duration.ofSeconds(10));
            request = body == null ? request.GET()
                    : request.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(path + ": " + response.body()).isBetween(200, 299);
            return JSON.readTree(response.body());
        } catch (Exception failed) {
            throw new IllegalStateException(failed);
        }
    }

    private static void await(java.util.function.BooleanSupplier condition, String what) {
        Instant deadline = Instant.now().plus(WAIT);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("never: " + what);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(interrupted);
            }
        }
    }
}
