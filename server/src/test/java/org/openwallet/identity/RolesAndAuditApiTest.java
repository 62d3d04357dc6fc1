package org.openwallet.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.Map;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.Test;
import org.openwallet.Api;
import org.openwallet.WalletIntegrationTest;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * Roles live in the database and are checked on every admin call; every admin action is in an
 * append-only audit log with the actor, the target and the state before and after.
 */
class RolesAndAuditApiTest extends WalletIntegrationTest {
    @Autowired
    Roles roles;

    @Autowired
    ApplicationContext context;

    @Test
    void revokedAdmin_isRefusedAtOnce_withTheSameToken() {
        Api.User admin = api.newUserWithRole(roles, Role.ADMIN);
        Api.User target = api.newUser();
        assertThat(verify(admin, target).status()).isEqualTo(200);

        assertThat(roles.revoke(admin.handle(), Role.ADMIN, org.openwallet.audit.Actor.operator("test")))
                .isEqualTo(Roles.Change.REVOKED);

        Api.Response refused = verify(admin, target);
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.code()).isEqualTo("forbidden");
    }

    @Test
    void userWithoutRole_cannotUseAdminEndpoints_norReadTheAuditLog() {
        Api.User user = api.newUser();
        assertThat(verify(user, user).status()).isEqualTo(403);
        assertThat(api.get("/v1/admin/audit", user.token()).status()).isEqualTo(403);
        assertThat(api.get("/v1/admin/fraud/decisions?sender_id=" + user.id(), user.token())
                        .status())
                .isEqualTo(403);
    }

    @Test
    void support_readsDecisions_butChangesNothing_andCannotReadTheAuditLog() {
        Api.User support = api.newUserWithRole(roles, Role.SUPPORT);
        Api.User target = api.newUser();
        assertThat(api.get("/v1/admin/fraud/decisions?sender_id=" + target.id(), support.token())
                        .status())
                .isEqualTo(200);
        assertThat(verify(support, target).status()).isEqualTo(403);
        assertThat(api.get("/v1/admin/audit", support.token()).status()).isEqualTo(403);
    }

    @Test
    void adminActions_areAudited_withActorTargetBeforeAndAfter() {
        Api.User admin = api.newUserWithRole(roles, Role.ADMIN);
        Api.User target = api.newUser();
        assertThat(verify(admin, target).status()).isEqualTo(200);
        assertThat(put("/v1/admin/fraud/blocked-recipients/" + target.id(), admin, Map.of("reason", "chargebacks"))
                        .status())
                .isEqualTo(204);

        JsonNode items = api.get("/v1/admin/audit?target_type=user&target_id=" + target.id(), admin.token())
                .json()
                .get("items");
        assertThat(items).hasSize(2);
        JsonNode block = items.get(0);
        assertThat(block.get("action").asString()).isEqualTo("recipient.blocked");
        assertThat(block.get("actor").asString()).isEqualTo(admin.handle());
        assertThat(block.get("actor_id").asString()).isEqualTo(admin.id().toString());
        assertThat(block.get("before").get("blocked").asBoolean()).isFalse();
        assertThat(block.get("after").get("reason").asString()).isEqualTo("chargebacks");
        JsonNode verification = items.get(1);
        assertThat(verification.get("action").asString()).isEqualTo("verification.set");
        assertThat(verification.get("before").get("tier").asString()).isEqualTo("unverified");
        assertThat(verification.get("after").get("tier").asString()).isEqualTo("verified");
    }

    @Test
    void auditLog_paginates_newestFirst() {
        Api.User admin = api.newUserWithRole(roles, Role.ADMIN);
        Api.User target = api.newUser();
        for (int i = 0; i < 3; i++) {
            verify(admin, target);
        }
        String path = "/v1/admin/audit?target_type=user&target_id=" + target.id() + "&limit=2";
        Api.Response first = api.get(path, admin.token());
        assertThat(first.json().get("items")).hasSize(2);
        Api.Response second =
                api.get(path + "&cursor=" + first.json().get("next_cursor").asString(), admin.token());
        assertThat(second.json().get("items")).hasSize(1);
        assertThat(api.get(path.replace("limit=2", "limit=101"), admin.token()).code())
                .isEqualTo("validation_failed");
    }

    @Test
    void healthDetails_onThePublicPort_areForAdminsOnly() {
        Api.Response forAdmin = api.get(
                "/v1/admin/health", api.newUserWithRole(roles, Role.ADMIN).token());
        assertThat(forAdmin.status()).as(forAdmin.body()).isEqualTo(200);
        assertThat(forAdmin.json().get("components").propertyNames()).contains("db", "outboxRelayLag");
        assertThat(api.get(
                                "/v1/admin/health",
                                api.newUserWithRole(roles, Role.SUPPORT).token())
                        .status())
                .isEqualTo(403);
        assertThat(api.get("/v1/admin/health", null).status()).isEqualTo(401);
        assertThat(api.get("/actuator/health", null).json().propertyNames()).containsExactly("status");
    }

    @Test
    void auditLog_cannotBeRewritten() {
        Api.User admin = api.newUserWithRole(roles, Role.ADMIN);
        assertThatThrownBy(() -> jdbc.sql("UPDATE audit_log SET actor = 'someone else' WHERE target_id = ?")
                        .param(admin.id().toString())
                        .update())
                .hasMessageContaining("immutable");
        assertThatThrownBy(() -> jdbc.sql("DELETE FROM audit_log WHERE target_id = ?")
                        .param(admin.id().toString())
                        .update())
                .hasMessageContaining("immutable");
    }

    @Test
    void operatorCommand_grantsAndRevokes_andIsAuditedAsTheOperator() {
        Api.User user = api.newUser();
        assertThat(command("grant", user.handle(), "admin")).contains("granted");
        assertThat(roles.has(user.id(), Role.ADMIN)).isTrue();
        assertThat(command("grant", user.handle(), "admin")).contains("unchanged");
        assertThat(command("list")).contains(user.handle() + " admin granted by operator:");
        assertThat(command("revoke", user.handle(), "admin")).contains("revoked");
        assertThat(roles.has(user.id(), Role.ADMIN)).isFalse();

        assertThat(RolesCommand.run(this::withRoles, "grant", "nobody_has_this", "admin"))
                .isEqualTo(1);
        RolesCommand.Access untouched = work -> {
            throw new AssertionError("a malformed command reached the database");
        };
        assertThat(RolesCommand.run(untouched, "grant", user.handle(), "superuser"))
                .isEqualTo(2);
        assertThat(RolesCommand.run(untouched, "grant", user.handle())).isEqualTo(2);
        assertThat(RolesCommand.run(untouched, "promote", user.handle(), "admin"))
                .isEqualTo(2);

        String actors = String.join(
                ",",
                jdbc.sql("SELECT actor FROM audit_log WHERE target_id = ? ORDER BY id")
                        .param(user.id().toString())
                        .query(String.class)
                        .list());
        assertThat(actors).startsWith("operator:").contains(",operator:");
    }

    private Api.Response verify(Api.User actor, Api.User target) {
        return put("/v1/admin/users/" + target.id() + "/verification", actor, Map.of("verified", true));
    }

    private Api.Response put(String path, Api.User actor, Object body) {
        return api.put(path, actor.token(), body);
    }

    private String command(String... args) {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true));
        try {
            RolesCommand.run(this::withRoles, args);
        } finally {
            System.setOut(original);
        }
        return captured.toString();
    }

    private int withRoles(ToIntFunction<Roles> work) {
        return work.applyAsInt(context.getBean(Roles.class));
    }
}
