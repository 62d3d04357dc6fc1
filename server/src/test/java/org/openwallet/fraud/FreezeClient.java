package org.openwallet.fraud;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.openwallet.Api;

/** Freezing and unfreezing users as an admin does, through the API. */
public final class FreezeClient {
    private final Api api;
    private final Api.User admin;

    public FreezeClient(Api api, Api.User admin) {
        this.api = api;
        this.admin = admin;
    }

    public Api.Response freeze(Api.User user, Object body) {
        return api.put("/v1/admin/users/" + user.id() + "/freeze", admin.token(), body);
    }

    /** Freezes the user with {@code reason}; must succeed. */
    public void freeze(Api.User user, String reason) {
        Api.Response frozen = freeze(user, Map.of("reason", reason));
        assertThat(frozen.status()).as(frozen.body()).isEqualTo(200);
        assertThat(frozen.json().get("frozen").asBoolean()).isTrue();
    }

    public Api.Response unfreezeResponse(Api.User user) {
        return api.delete("/v1/admin/users/" + user.id() + "/freeze", admin.token());
    }

    /** Unfreezes the user; must succeed. */
    public void unfreeze(Api.User user) {
        Api.Response unfrozen = unfreezeResponse(user);
        assertThat(unfrozen.status()).as(unfrozen.body()).isEqualTo(204);
    }
}
