package org.openwallet.funding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.openwallet.Api;
import org.openwallet.platform.EmbeddedBankSimulator;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The funding API as a client uses it: linked bank accounts, deposits, withdrawals, the balance. */
final class FundingClient {
    /** JPMorgan Chase's routing number: passes the ABA checksum. */
    static final String ROUTING = "021000021";

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private final Api api;
    private final JdbcClient jdbc;
    private final EmbeddedBankSimulator bank;

    /** {@code bank}: the simulator whose statement shows the micro-deposits (what the account's owner reads). */
    FundingClient(Api api, JdbcClient jdbc, EmbeddedBankSimulator bank) {
        this.api = api;
        this.jdbc = jdbc;
        this.bank = bank;
    }

    /** The balance as the API shows it. */
    record Balance(String available, String pending) {}

    /** A fresh 12-digit account number, different in every call (so it can be searched for in responses). */
    static String newAccountNumber() {
        return Long.toString(ThreadLocalRandom.current().nextLong(100_000_000_000L, 1_000_000_000_000L));
    }

    Api.Response link(Api.User user, String routingNumber, String accountNumber, String holderName) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("routing_number", routingNumber);
        body.put("account_number", accountNumber);
        body.put("holder_name", holderName);
        return api.post("/v1/bank-accounts", user.token(), null, body);
    }

    /** Links a new account for the user and verifies it with its micro-deposits, as its owner would; returns its id. */
    UUID link(Api.User user) {
        return linkVerified(user, ROUTING, newAccountNumber());
    }

    /** Links the account (201, pending_verification) and verifies it; returns its id. */
    UUID linkVerified(Api.User user, String routingNumber, String accountNumber) {
        UUID id = linkUnverified(user, routingNumber, accountNumber);
        Api.Response verified = verify(user, id, microDeposits(routingNumber, accountNumber));
        assertThat(verified.status()).as(verified.body()).isEqualTo(200);
        assertThat(verified.json().get("status").asString()).isEqualTo("active");
        return id;
    }

    /** Links the account (201), leaving it pending_verification; returns its id. */
    UUID linkUnverified(Api.User user, String routingNumber, String accountNumber) {
        Api.Response linked = link(user, routingNumber, accountNumber, "Test Holder");
        assertThat(linked.status()).as(linked.body()).isEqualTo(201);
        assertThat(linked.json().get("status").asString()).isEqualTo("pending_verification");
        return UUID.fromString(linked.json().get("id").asString());
    }

    Api.Response verify(Api.User user, UUID accountId, List<String> amounts) {
        return api.post("/v1/bank-accounts/" + accountId + "/verify", user.token(), null, Map.of("amounts", amounts));
    }

    /** The latest two micro-deposits on the account's bank statement (the simulator's admin API). */
    List<String> microDeposits(String routingNumber, String accountNumber) {
        return statement(routingNumber, accountNumber, null);
    }

    /** The two micro-deposits sent for the linked account {@code accountId} (the latest when null). */
    List<String> statement(String routingNumber, String accountNumber, UUID accountId) {
        try {
            HttpResponse<String> statement = HTTP.send(
                    HttpRequest.newBuilder(URI.create(bank.baseUrl() + "/admin/micro-deposits?routing_number="
                                    + routingNumber + "&account_number=" + accountNumber))
                            .timeout(Duration.ofSeconds(10))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(statement.statusCode()).as(statement.body()).isEqualTo(200);
            JsonNode items = JSON.readTree(statement.body()).get("items");
            List<JsonNode> sent = items.valueStream()
                    .filter(item -> accountId == null
                            || item.get("request_id").asString().equals(accountId.toString()))
                    .toList();
            assertThat(sent).as("micro-deposits sent to " + accountNumber).isNotEmpty();
            return sent.getLast()
                    .get("amounts")
                    .valueStream()
                    .map(JsonNode::asString)
                    .toList();
        } catch (IOException failure) {
            throw new IllegalStateException(failure);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(interrupted);
        }
    }

    /** Waits until the bank accepted the request (it is sent after the commit, in the background); returns the bank's transfer id. */
    String awaitBankTransferId(UUID requestId) {
        await("request " + requestId + " accepted by the bank")
                .until(() -> jdbc.sql("SELECT submitted_at IS NOT NULL FROM funding_requests WHERE id = ?")
                        .param(requestId)
                        .query(Boolean.class)
                        .single());
        return jdbc.sql("SELECT bank_transfer_id FROM funding_requests WHERE id = ?")
                .param(requestId)
                .query(String.class)
                .single();
    }

    /** The balance's on_hold and withdrawable. */
    record Holds(String onHold, String withdrawable) {}

    Holds holds(Api.User user) {
        Api.Response balance = api.get("/v1/accounts/me/balance", user.token());
        assertThat(balance.status()).as(balance.body()).isEqualTo(200);
        return new Holds(
                balance.json().get("on_hold").asString(),
                balance.json().get("withdrawable").asString());
    }

    Api.Response accounts(Api.User user) {
        return api.get("/v1/bank-accounts", user.token());
    }

    List<String> accountIds(Api.User user) {
        Api.Response list = accounts(user);
        assertThat(list.status()).as(list.body()).isEqualTo(200);
        return list.json()
                .get("items")
                .valueStream()
                .map(item -> item.get("id").asString())
                .toList();
    }

    static Map<String, Object> order(UUID bankAccountId, String amount, String speed) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("bank_account_id", bankAccountId.toString());
        body.put("amount", amount);
        body.put("currency", "USD");
        if (speed != null) {
            body.put("speed", speed);
        }
        return body;
    }

    Api.Response deposit(Api.User user, String idempotencyKey, Object body) {
        return api.post("/v1/funding/deposit", user.token(), idempotencyKey, body);
    }

    Api.Response deposit(Api.User user, UUID bankAccountId, String amount) {
        return deposit(user, UUID.randomUUID().toString(), order(bankAccountId, amount, null));
    }

    /** Makes a deposit that must be accepted (202, pending); returns its id. */
    UUID pendingDeposit(Api.User user, UUID bankAccountId, String amount) {
        Api.Response deposit = deposit(user, bankAccountId, amount);
        assertThat(deposit.status()).as(deposit.body()).isEqualTo(202);
        assertThat(deposit.json().get("status").asString()).isEqualTo("pending");
        return UUID.fromString(deposit.json().get("id").asString());
    }

    Api.Response withdraw(Api.User user, String idempotencyKey, Object body) {
        return api.post("/v1/funding/withdrawals", user.token(), idempotencyKey, body);
    }

    Api.Response withdraw(Api.User user, UUID bankAccountId, String amount, String speed) {
        return withdraw(user, UUID.randomUUID().toString(), order(bankAccountId, amount, speed));
    }

    /** Makes a withdrawal that must be accepted (202, pending); returns its id. */
    UUID pendingWithdrawal(Api.User user, UUID bankAccountId, String amount, String speed) {
        Api.Response withdrawal = withdraw(user, bankAccountId, amount, speed);
        assertThat(withdrawal.status()).as(withdrawal.body()).isEqualTo(202);
        assertThat(withdrawal.json().get("status").asString()).isEqualTo("pending");
        return UUID.fromString(withdrawal.json().get("id").asString());
    }

    Balance balance(Api.User user) {
        Api.Response balance = api.get("/v1/accounts/me/balance", user.token());
        assertThat(balance.status()).as(balance.body()).isEqualTo(200);
        return new Balance(
                balance.json().get("available").asString(),
                balance.json().get("pending").asString());
    }

    /** A deposit ({@code deposits}) or withdrawal ({@code withdrawals}) as its owner sees it. */
    JsonNode request(Api.User user, String kind, UUID id) {
        Api.Response request = api.get("/v1/funding/" + kind + "/" + id, user.token());
        assertThat(request.status()).as(request.body()).isEqualTo(200);
        return request.json();
    }

    /** Waits until the request has {@code status}; returns it then. */
    JsonNode awaitStatus(Api.User user, String kind, UUID id, String status) {
        await(kind + " " + id + " " + status)
                .until(() -> request(user, kind, id).get("status").asString().equals(status));
        return request(user, kind, id);
    }
}
