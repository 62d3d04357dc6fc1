package org.openwallet.fraud;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openwallet.Api;
import org.openwallet.LedgerTestSupport;
import org.openwallet.WalletIntegrationTest;
import org.openwallet.identity.Role;
import org.openwallet.identity.Roles;
import org.openwallet.ledger.Ledger;
import org.openwallet.platform.database.Transactions;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The hard rules hold when the fraud check has no time at all: a budget of 1 ns, so every
 * evaluation misses it, and the shipped {@code on-timeout=allow}, so the soft rules allow every
 * payment by default. A blocked recipient, a blocked IP range and a frozen sender or recipient are
 * still refused, in the payment's ledger transaction, with 403 {@code transfer_declined} and the
 * reason, and recorded in the decision log; an ordinary payment goes through (and the weekly limit,
 * also the ledger's, still holds).
 *
 * <p>The server listens on both loopbacks, and {@code ::1} is blocked: requests through
 * {@code [::1]} come from a blocked IP, those through {@code 127.0.0.1} do not. A context of its own
 * (it cannot extend {@code WalletIntegrationTest} or {@code ProductionRules}: their budgets would win).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class HardRulesOnTimeoutApiTest {
    @LocalServerPort
    int port;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    Transactions transactions;

    @Autowired
    Ledger ledger;

    @Autowired
    Roles roles;

    Api api;
    Api fromBlockedIp;
    Api.User admin;
    FreezeClient freezes;

    @DynamicPropertySource
    static void noTimeForTheRules(DynamicPropertyRegistry registry) {
        WalletIntegrationTest.ownWallet(registry, WalletIntegrationTest.newDataDir());
        WalletIntegrationTest.limitsOutOfReach(registry);
        registry.add("wallet.fraud.budget", () -> "1ns");
        registry.add("wallet.fraud.on-timeout", () -> "allow");
        registry.add("wallet.fraud.limits.USD.weekly-limit-unverified", () -> "299.99");
        registry.add("wallet.fraud.blocked-ips", () -> "192.0.2.0/24,::1/128");
        registry.add("server.address", () -> "::");
    }

    @BeforeEach
    void connect() {
        api = new Api("http://127.0.0.1:" + port);
        fromBlockedIp = new Api("http://[::1]:" + port);
        admin = api.newUserWithRole(roles, Role.ADMIN);
        freezes = new FreezeClient(api, admin);
    }

    @Test
    void anOrdinaryPayment_isAllowedOnTimeout_recordedAsTimedOut_andTheWeeklyLimitStillHolds() {
        Api.User sender = fundedUser(500_00);
        Api.User recipient = api.newUser();

        assertPosted(api.pay(sender, recipient, "50.00"));
        assertDeclined(api.pay(sender, recipient, "260.00"), "weekly_limit_exceeded");
        assertThat(api.available(sender)).isEqualTo("450.00");
        assertThat(api.available(recipient)).isEqualTo("50.00");

        List<Decision> decisions = decisions(sender.id());
        assertThat(decisions).extracting(Decision::decision).containsExactly("allow", "decline");
        assertThat(decisions).allSatisfy(decision -> {
            assertThat(decision.timedOut()).isTrue();
            assertThat(decision.notes()).contains("\"timeout\"");
        });
        assertThat(decisions.get(0).reasons()).isEqualTo("[]");
        assertThat(decisions.get(1).reasons()).isEqualTo("[\"weekly_limit_exceeded\"]");
    }

    @Test
    void aPaymentToABlockedRecipient_isDeclinedOnTimeout_movesNothing_andIsRecorded_untilUnblocked() {
        Api.User sender = fundedUser(10_00);
        Api.User recipient = api.newUser();
        Api.Response blocked = api.put(
                "/v1/admin/fraud/blocked-recipients/" + recipient.id(), admin.token(), Map.of("reason", "test"));
        assertThat(blocked.status()).as(blocked.body()).isEqualTo(204);

        assertDeclined(api.pay(sender, recipient, "1.00"), "recipient_blocked");
        assertThat(api.available(sender)).isEqualTo("10.00");
        assertThat(api.available(recipient)).isEqualTo("0.00");
        assertThat(decisions(sender.id())).singleElement().satisfies(decision -> {
            assertThat(decision.decision()).isEqualTo("decline");
            assertThat(decision.reasons()).isEqualTo("[\"recipient_blocked\"]");
            assertThat(decision.timedOut()).isTrue();
        });

        assertThat(api.delete("/v1/admin/fraud/blocked-recipients/" + recipient.id(), admin.token())
                        .status())
                .isEqualTo(204);
        assertPosted(api.pay(sender, recipient, "1.00"));
    }

    @Test
    void aPaymentFromABlockedIpRange_isDeclinedOnTimeout_andTheSameUserElsewhereIsNot() {
        Api.User sender = fundedUser(10_00);
        Api.User recipient = api.newUser();

        assertDeclined(fromBlockedIp.pay(sender, recipient, "1.00"), "ip_blocked");
        assertThat(api.available(sender)).isEqualTo("10.00");
        assertPosted(api.pay(sender, recipient, "1.00"));

        List<Decision> decisions = decisions(sender.id());
        assertThat(decisions).extracting(Decision::decision).containsExactly("decline", "allow");
        assertThat(decisions.get(0).reasons()).isEqualTo("[\"ip_blocked\"]");
        assertThat(decisions.get(0).ip()).isEqualTo("0:0:0:0:0:0:0:1");
        assertThat(decisions.get(0).timedOut()).isTrue();
    }

    @Test
    void aFrozenSenderCannotPay_andAFrozenRecipientCannotBePaid_onTimeout_untilUnfrozen() {
        Api.User frozen = fundedUser(10_00);
        Api.User other = fundedUser(10_00);
        freezes.freeze(frozen, "suspected account takeover");

        assertDeclined(api.pay(frozen, other, "1.00"), "sender_frozen");
        assertDeclined(api.pay(other, frozen, "1.00"), "recipient_frozen");
        assertThat(api.available(frozen)).isEqualTo("10.00");
        assertThat(api.available(other)).isEqualTo("10.00");
        assertThat(decisions(frozen.id())).singleElement().satisfies(decision -> {
            assertThat(decision.reasons()).isEqualTo("[\"sender_frozen\"]");
            assertThat(decision.timedOut()).isTrue();
        });
        assertThat(decisions(other.id())).singleElement().satisfies(decision -> {
            assertThat(decision.decision()).isEqualTo("decline");
            assertThat(decision.reasons()).isEqualTo("[\"recipient_frozen\"]");
        });

        freezes.unfreeze(frozen);
        assertPosted(api.pay(frozen, other, "1.00"));
        assertPosted(api.pay(other, frozen, "2.00"));
        assertThat(api.available(frozen)).isEqualTo("11.00");
    }

    private Api.User fundedUser(long minor) {
        return LedgerTestSupport.fundedUser(api, transactions, ledger, minor);
    }

    private static void assertPosted(Api.Response response) {
        assertThat(response.status()).as(response.body()).isEqualTo(201);
    }

    private static void assertDeclined(Api.Response response, String reason) {
        assertThat(response.status()).as(response.body()).isEqualTo(403);
        assertThat(response.code()).isEqualTo("transfer_declined");
        assertThat(response.json().get("reason").asString()).isEqualTo(reason);
    }

    private record Decision(String decision, String reasons, String notes, boolean timedOut, String ip) {}

    /** The sender's decisions, oldest first, straight from the log (reasons and notes as JSON text). */
    private List<Decision> decisions(UUID senderId) {
        return jdbc.sql(
                        "SELECT decision, reasons::text, notes::text, timed_out, ip FROM fraud_decisions WHERE sender_id = ? ORDER BY id")
                .param(senderId)
                .query((rs, n) -> new Decision(
                        rs.getString(1), rs.getString(2), rs.getString(3), rs.getBoolean(4), rs.getString(5)))
                .list();
    }
}
