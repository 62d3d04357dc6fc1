package org.openwallet.funding;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.openwallet.Api;
import org.openwallet.Eventually;
import tools.jackson.databind.JsonNode;

/** The funding API as a client uses it: linked bank accounts, deposits, withdrawals, the balance. */
final class FundingClient {
    /** JPMorgan Chase's routing number: passes the ABA checksum. */
    static final String ROUTING = "021000021";

    private final Api api;

    FundingClient(Api api) {
        this.api = api;
    }

    /** The balance as the API shows it. */
    record Balance(String available, String pending) {
    }

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

    /** Links a new account for the user; returns its id. */
    UUID link(Api.User user) {
        Api.Response linked = link(user, ROUTING, newAccountNumber(), "Test Holder");
        assertThat(linked.status()).as(linked.body()).isEqualTo(201);
        return UUID.fromString(linked.json().get("id").asString());
    }

    Api.Response accounts(Api.User user) {
        return api.get("/v1/bank-accounts", user.token());
    }

    List<String> accountIds(Api.User user) {
        Api.Response list = accounts(user);
        assertThat(list.status()).as(list.body()).isEqualTo(200);
        return list.json().get("items").valueStream().map(item -> item.get("id").asString()).toList();
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
        return new Balance(balance.json().get("available").asString(), balance.json().get("pending").asString());
    }

    /** A deposit ({@code deposits}) or withdrawal ({@code withdrawals}) as its owner sees it. */
    JsonNode request(Api.User user, String kind, UUID id) {
        Api.Response request = api.get("/v1/funding/" + kind + "/" + id, user.token());
        assertThat(request.status()).as(request.body()).isEqualTo(200);
        return request.json();
    }

    /** Waits until the request has {@code status}; returns it then. */
    JsonNode awaitStatus(Api.User user, String kind, UUID id, String status) {
        Eventually.await(kind + " " + id + " " + status, () -> request(user, kind, id).get("status").asString().equals(status));
        return request(user, kind, id);
    }

}
