package org.openwallet.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.openwallet.WalletIntegrationTest;
import org.openwallet.idempotency.IdempotencyKeys.Claim;
import org.openwallet.idempotency.IdempotencyKeys.KeyRequest;
import org.openwallet.idempotency.IdempotencyKeys.StoredResponse;
import org.springframework.beans.factory.annotation.Autowired;

/** Claiming a batch's keys at once answers each key exactly as claiming it alone would. */
class IdempotencyClaimAllTest extends WalletIntegrationTest {
    private static final String OPERATION = "test.claim-all";

    @Autowired
    IdempotencyKeys keys;

    @Autowired
    DataSource dataSource;

    @Test
    void newDoneReusedAndHeldKeys_inOneClaim_areProceedReplayReusedAndInProgress_inTheirOrder() throws Exception {
        UUID user = api.newUser().id();
        byte[] fingerprint = IdempotencyKeys.fingerprint("the request");
        StoredResponse stored = new StoredResponse(201, "{\"done\":true}".getBytes());
        transactions.run(() -> {
            keys.complete(user, OPERATION, "done", fingerprint, stored);
            keys.complete(user, OPERATION, "other-body", fingerprint, stored);
            return null;
        });

        List<Claim> claims;
        try (Connection holder = dataSource.getConnection()) {
            holder.setAutoCommit(false);
            try (PreparedStatement lock =
                    holder.prepareStatement("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))")) {
                lock.setString(1, user + "\n" + OPERATION + "\n" + "held");
                lock.execute();
            }
            try {
                claims = transactions.run(() -> keys.claimAll(
                        OPERATION,
                        List.of(
                                new KeyRequest(user, "new", fingerprint),
                                new KeyRequest(user, "held", fingerprint),
                                new KeyRequest(user, "done", fingerprint),
                                new KeyRequest(user, "other-body", IdempotencyKeys.fingerprint("another request")))));
            } finally {
                holder.rollback();
            }
        }

        assertThat(claims.get(0)).isInstanceOf(Claim.Proceed.class);
        assertThat(claims.get(1)).isInstanceOf(Claim.InProgress.class);
        assertThat(claims.get(2)).isInstanceOfSatisfying(Claim.Replay.class, replay -> {
            assertThat(replay.response().status()).isEqualTo(201);
            assertThat(replay.response().body()).isEqualTo(stored.body());
        });
        assertThat(claims.get(3)).isInstanceOf(Claim.Reused.class);
        UUID stranger = api.newUser().id();
        assertThat(transactions.run(
                        () -> keys.claimAll(OPERATION, List.of(new KeyRequest(stranger, "done", fingerprint)))))
                .as("keys are per user")
                .singleElement()
                .isInstanceOf(Claim.Proceed.class);
    }
}
