package org.openwallet.funding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
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
import org.openwallet.identity.Role;
import org.openwallet.identity.Roles;
import org.openwallet.ledger.LedgerVerifier;
import org.openwallet.platform.EmbeddedBankSimulator;
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
@TestPropertySource(properties = {"test.context=funding-end-to-end"})
@DirtiesContext
class FundingEndToEndTest extends WalletIntegrationTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Autowired
    EmbeddedBankSimulator bank;

    @Autowired
    LedgerVerifier verifier;

    @Autowired
    Roles roles;

    private final HttpClient http = HttpClient.newHttpClient();
    private FundingClient funding;

    @BeforeEach
    void businessDays() {
        funding = new FundingClient(api, jdbc, bank);
        bankAdmin(
                "/admin/config",
                Map.of("mode", "business_days", "duplicate_webhooks", false, "out_of_order", false, "failure_rate", 0));
    }

    @Test
    void deposit_isPendingAndNotSpendable_untilTheBankSettlesIt() {
        Api.User user = api.newUser();
        Api.User friend = api.newUser();
        UUID account = link(user, "123456789");

        UUID deposit = funding.pendingDeposit(user, account, "100.00");
        assertThat(funding.balance(user)).isEqualTo(new FundingClient.Balance("0.00", "100.00"));
        assertThat(api.pay(user, friend, "50.00").code())
                .as("pending money is not spendable")
                .isEqualTo("insufficient_funds");

        awaitBankAccepted(deposit);
        advanceBankClock(Duration.ofDays(7));

        funding.awaitStatus(user, "deposits", deposit, "settled");
        assertThat(funding.balance(user)).isEqualTo(new FundingClient.Balance("100.00", "0.00"));
        assertThat(api.pay(user, friend, "50.00").status()).isEqualTo(201);
        assertThat(verifier.verify().ok()).isTrue();
    }

    @Test
    void withdrawal_holdsTheFunds_andCannotOverspendWhilePending() {
        Api.User user = api.newUser();
        Api.User friend = api.newUser();
        LedgerTestSupport.fund(transactions, ledger, user.id(), 10_000);
        UUID account = link(user, "987654321");

        UUID withdrawal = funding.pendingWithdrawal(user, account, "80.00", "standard");
        assertThat(api.available(user)).isEqualTo("20.00");
        assertThat(funding.withdraw(user, account, "30.00", "standard").code()).isEqualTo("insufficient_funds");
        assertThat(api.pay(user, friend, "30.00").code()).isEqualTo("insufficient_funds");

        awaitBankAccepted(withdrawal);
        advanceBankClock(Duration.ofDays(7));
        funding.awaitStatus(user, "withdrawals", withdrawal, "settled");
        assertThat(funding.balance(user)).isEqualTo(new FundingClient.Balance("20.00", "0.00"));
    }

    @Test
    void returnedInstantWithdrawal_restoresTheFundsAndTheFee() {
        Api.User user = api.newUser();
        LedgerTestSupport.fund(transactions, ledger, user.id(), 20_000);
        // The simulator returns credits to accounts ending 0002 with R02 (account closed).
        UUID closed = link(user, "5550002");

        Api.Response withdrawal = funding.withdraw(user, closed, "100.00", "instant");
        assertThat(withdrawal.status()).as(withdrawal.body()).isEqualTo(202);
        assertThat(withdrawal.json().get("fee").asString()).isEqualTo("1.75");
        assertThat(api.available(user)).isEqualTo("98.25");

        UUID id = UUID.fromString(withdrawal.json().get("id").asString());
        awaitBankAccepted(id);
        advanceBankClock(Duration.ofDays(7));
        JsonNode returned = funding.awaitStatus(user, "withdrawals", id, "returned");
        assertThat(returned.get("reason_code").asString()).isEqualTo("R02");
        assertThat(api.available(user)).isEqualTo("200.00");
        assertThat(verifier.verify().ok()).isTrue();
    }

    @Test
    void duplicatedAndReorderedWebhooks_moveMoneyOnce() {
        bankAdmin(
                "/admin/config",
                Map.of(
                        "duplicate_webhooks",
                        true,
                        "out_of_order",
                        true,
                        "out_of_order_window",
                        4,
                        "out_of_order_max_hold_millis",
                        500));
        Api.User user = api.newUser();
        UUID account = link(user, "44440000");
        List<UUID> deposits = new ArrayList<>();
        for (int i = 1; i <= 6; i++) {
            deposits.add(funding.pendingDeposit(user, account, i + ".00"));
        }
        deposits.forEach(this::awaitBankAccepted);
        advanceBankClock(Duration.ofDays(7));
        for (UUID deposit : deposits) {
            funding.awaitStatus(user, "deposits", deposit, "settled");
        }
        // Let every duplicate arrive: the bank sends each event twice, shuffled.
        awaitBank(stats -> stats.get("webhooks").get("pending").asInt() == 0
                && stats.get("webhooks").get("held").asInt() == 0);

        assertThat(api.available(user)).isEqualTo("21.00");
        for (UUID deposit : deposits) {
            assertThat(jdbc.sql(
                                    "SELECT count(*) FROM funding_transitions WHERE request_id = ? AND to_status = 'settled'")
                            .param(deposit)
                            .query(Integer.class)
                            .single())
                    .isEqualTo(1);
            assertThat(jdbc.sql("SELECT count(*) FROM ledger_transfers WHERE reference = 'pending:' || "
                                    + "(SELECT pending_transfer_id FROM funding_requests WHERE id = ?)")
                            .param(deposit)
                            .query(Integer.class)
                            .single())
                    .isEqualTo(1);
        }
        assertThat(verifier.verify().ok()).isTrue();
    }

    @Test
    void reconciliation_findsAPlantedDiscrepancy_andNothingElse() {
        Api.User user = api.newUser();
        UUID account = link(user, "31415926");
        UUID id = funding.pendingDeposit(user, account, "42.00");
        awaitBankAccepted(id);
        advanceBankClock(Duration.ofDays(7));
        funding.awaitStatus(user, "deposits", id, "settled");
        String bankDay = bankAdmin("/admin/clock", null).get("now").asString().substring(0, 10);
        UUID stranger = UUID.randomUUID();
        bankAdmin(
                "/admin/settlements",
                Map.of("direction", "debit", "amount", "5.00", "request_id", stranger.toString()));

        Api.User admin = adminUser();
        Api.Response run = api.post("/v1/admin/reconciliations", admin.token(), null, Map.of("date", bankDay));
        assertThat(run.status()).as(run.body()).isEqualTo(201);
        List<JsonNode> differences = new ArrayList<>();
        run.json().get("differences").forEach(differences::add);
        assertThat(differences)
                .as(run.body())
                .anyMatch(d -> d.get("kind").asString().equals("missing_in_ledger")
                        && d.get("request_id").asString().equals(stranger.toString()));
        assertThat(differences)
                .as("our own settled deposit matches the bank's report")
                .noneMatch(d -> d.has("request_id")
                        && !d.get("request_id").isNull()
                        && d.get("request_id").asString().equals(id.toString()));
        Api.Response forbidden = api.post("/v1/admin/reconciliations", user.token(), null, Map.of("date", bankDay));
        assertThat(forbidden.code()).isEqualTo("forbidden");
        Api.Response stored =
                api.get("/v1/admin/reconciliations/" + run.json().get("id").asString(), admin.token());
        assertThat(stored.json().get("differences").size()).isEqualTo(differences.size());
    }

    @Test
    void lateReturn_fromTheSimulator_reversesTheSettledDeposit_leavesTheRestAsADebt_andReconciliationMatchesIt() {
        // Fixed delay of an hour: the deposit settles an hour after acceptance, its late return an hour after that.
        bankAdmin("/admin/config", Map.of("mode", "fixed_delay", "delay_millis", 3_600_000));
        Api.User user = api.newUser();
        Api.User friend = api.newUser();
        // The simulator settles debits from accounts ending 0010, then returns them late with R10.
        UUID id = funding.pendingDeposit(user, link(user, "77770010"), "60.00");
        awaitBankAccepted(id);
        advanceBankClock(Duration.ofMinutes(61));
        funding.awaitStatus(user, "deposits", id, "settled");
        assertThat(api.pay(user, friend, "45.00").status()).isEqualTo(201);

        advanceBankClock(Duration.ofMinutes(61));

        JsonNode returned = funding.awaitStatus(user, "deposits", id, "returned");
        assertThat(returned.get("reason_code").asString()).isEqualTo("R10");
        Api.Response balance = api.get("/v1/accounts/me/balance", user.token());
        assertThat(balance.json().get("available").asString()).isEqualTo("0.00");
        assertThat(balance.json().get("debt").asString())
                .as("60.00 returned, 15.00 of it still in the wallet")
                .isEqualTo("45.00");
        assertThat(verifier.verify().problems()).isEmpty();
        Api.User admin = adminUser();
        for (String day : List.of(bankDayOf(id, "completed_at"), settledDayOf(id))) {
            Api.Response run = api.post("/v1/admin/reconciliations", admin.token(), null, Map.of("date", day));
            assertThat(run.status()).as(run.body()).isEqualTo(201);
            assertThat(differencesFor(run, id))
                    .as("the bank's settlement and its return both match the ledger: " + run.body())
                    .isEmpty();
        }
    }

    @Test
    void lateReturn_byTheBanksAdminApi_isAReconciliationDifference_untilItsWebhookArrives() {
        bankAdmin("/admin/config", Map.of("mode", "fixed_delay", "delay_millis", 3_600_000));
        Api.User user = api.newUser();
        UUID id = funding.pendingDeposit(user, link(user, "27182818"), "12.00");
        awaitBankAccepted(id);
        advanceBankClock(Duration.ofMinutes(61));
        funding.awaitStatus(user, "deposits", id, "settled");
        String webhookUrl = bankAdmin("/admin/config", null).get("webhook_url").asString();
        Map<String, Object> noWebhooks = new java.util.HashMap<>();
        noWebhooks.put("webhook_url", null);
        bankAdmin("/admin/config", noWebhooks);
        Api.User admin = adminUser();
        try {
            JsonNode returned =
                    bankAdmin("/admin/transfers/" + bankTransferIdOf(id) + "/return", Map.of("reason_code", "R01"));
            assertThat(returned.get("status").asString()).isEqualTo("returned");

            Api.Response before = api.post(
                    "/v1/admin/reconciliations", admin.token(), null, Map.of("date", bankDayOf(id, "completed_at")));
            assertThat(differencesFor(before, id))
                    .as(before.body())
                    .singleElement()
                    .satisfies(d -> assertThat(d.get("kind").asString()).isEqualTo("missing_in_ledger"));
        } finally {
            bankAdmin("/admin/config", Map.of("webhook_url", webhookUrl));
        }
        assertThat(funding.awaitStatus(user, "deposits", id, "returned")
                        .get("reason_code")
                        .asString())
                .isEqualTo("R01");
        assertThat(api.available(user)).isEqualTo("0.00");
        Api.Response after = api.post(
                "/v1/admin/reconciliations", admin.token(), null, Map.of("date", bankDayOf(id, "completed_at")));
        assertThat(differencesFor(after, id)).as(after.body()).isEmpty();
        assertThat(verifier.verify().problems()).isEmpty();
    }

    private static List<JsonNode> differencesFor(Api.Response run, UUID requestId) {
        List<JsonNode> differences = new ArrayList<>();
        run.json().get("differences").forEach(d -> {
            if (d.has("request_id")
                    && !d.get("request_id").isNull()
                    && d.get("request_id").asString().equals(requestId.toString())) {
                differences.add(d);
            }
        });
        return differences;
    }

    private String bankTransferIdOf(UUID requestId) {
        return jdbc.sql("SELECT bank_transfer_id FROM funding_requests WHERE id = ?")
                .param(requestId)
                .query(String.class)
                .single();
    }

    /** The UTC day of one of the bank's times for the request's transfer, as its reports count days. */
    private String bankDayOf(UUID requestId, String field) {
        return bankAdmin("/v1/transfers/" + bankTransferIdOf(requestId), null)
                .get(field)
                .asString()
                .substring(0, 10);
    }

    private String settledDayOf(UUID requestId) {
        return jdbc.sql(
                        "SELECT to_char(bank_settled_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') FROM funding_requests WHERE id = ?")
                .param(requestId)
                .query(String.class)
                .single();
    }

    private Api.User adminUser() {
        return api.newUserWithRole(roles, Role.ADMIN);
    }

    private UUID link(Api.User user, String accountNumber) {
        return funding.linkVerified(user, FundingClient.ROUTING, accountNumber);
    }

    /** The order reached the bank (it is sent after the commit, in the background). */
    private void awaitBankAccepted(UUID requestId) {
        await("request " + requestId + " accepted by the bank")
                .until(() -> jdbc.sql("SELECT submitted_at IS NOT NULL FROM funding_requests WHERE id = ?")
                        .param(requestId)
                        .query(Boolean.class)
                        .single());
    }

    private void awaitBank(Predicate<JsonNode> condition) {
        await("the bank's webhooks delivered").until(() -> condition.test(bankAdmin("/admin/stats", null)));
    }

    private void advanceBankClock(Duration by) {
        bankAdmin("/admin/clock/advance", Map.of("seconds", by.toSeconds()));
    }

    private JsonNode bankAdmin(String path, Object body) {
        try {
            HttpRequest.Builder request =
                    HttpRequest.newBuilder(URI.create(bank.baseUrl() + path)).timeout(Duration.ofSeconds(10));
            request = body == null
                    ? request.GET()
                    : request.header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(path + ": " + response.body()).isBetween(200, 299);
            return JSON.readTree(response.body());
        } catch (Exception failed) {
            throw new IllegalStateException(failed);
        }
    }
}
