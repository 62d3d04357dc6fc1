package org.openwallet.transfer;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.UUID;
import org.openwallet.identity.AuthenticatedUser;
import org.openwallet.identity.Visibility;
import org.openwallet.ledger.Ledger;
import org.openwallet.ledger.LedgerTransfer;
import org.openwallet.outbox.Outbox;
import org.openwallet.platform.database.Transactions;
import org.openwallet.platform.web.ProblemCode;
import org.openwallet.platform.web.ProblemException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/**
 * Narrowing a payment's visibility after it was made. The ledger row is immutable, so a narrowing
 * is a {@code transfer_visibility} row beside it and a {@code transfer.visibility_changed} event in
 * the same transaction.
 */
@Service
class TransferVisibility {
    private final Transactions transactions;
    private final Ledger ledger;
    private final Outbox outbox;
    private final TransferViews views;
    private final JdbcClient jdbc;
    private final Clock clock;

    TransferVisibility(
            Transactions transactions,
            Ledger ledger,
            Outbox outbox,
            TransferViews views,
            JdbcClient jdbc,
            Clock clock) {
        this.transactions = transactions;
        this.ledger = ledger;
        this.outbox = outbox;
        this.views = views;
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /**
     * Makes a transfer more private, for everyone: either party may narrow it, nobody may widen it,
     * so the most private choice of the two wins. Setting the visibility it already has changes
     * nothing; a narrowing is a {@code transfer.visibility_changed} event in the same transaction.
     *
     * @return the transfer with its visibility now; empty when there is none such or the reader is not a party
     */
    Optional<TransferView> narrow(AuthenticatedUser reader, UUID id, String requested) {
        Visibility visibility = Visibility.parse("visibility", requested);
        return transactions.run(() -> {
            Optional<LedgerTransfer> found =
                    ledger.findTransfer(id).filter(transfer -> transfer.involves(reader.userId()));
            if (found.isEmpty()) {
                return Optional.<TransferView>empty();
            }
            LedgerTransfer transfer = found.get();
            // Deposits, withdrawals, fees and system fundings have one user party and no feed
            // visibility; narrowing one would write an event with a null party.
            if (!transfer.kind().equals(Transfers.KIND)) {
                throw new ProblemException(
                        ProblemCode.TRANSFER_NOT_P2P,
                        "This transfer is a " + transfer.kind()
                                + ", not a payment between users; only payments have a visibility.");
            }
            // Two parties narrowing at once apply one after the other. A row lock alone cannot do it: there
            // is no narrowing row to lock before the first narrowing, and both would then write one.
            jdbc.sql("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))")
                    .param("transfer-visibility:" + id)
                    .query((rs, n) -> 1)
                    .list();
            Visibility current = Visibility.morePrivateOf(
                    jdbc.sql("SELECT visibility FROM transfer_visibility WHERE transfer_id = ? FOR UPDATE")
                            .param(id)
                            .query(String.class)
                            .optional()
                            .map(TransferViews::stored)
                            .orElse(null),
                    TransferViews.stored(transfer.visibility()));
            if (current.isMorePrivateThan(visibility)) {
                throw new ProblemException(
                        ProblemCode.VISIBILITY_NOT_NARROWER,
                        "This transfer is " + current + "; it can only be made more private, not " + visibility + ".");
            }
            if (visibility.isMorePrivateThan(current)) {
                Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
                jdbc.sql("""
                                INSERT INTO transfer_visibility (transfer_id, visibility, changed_by, changed_at) VALUES (?, ?, ?, ?)
                                ON CONFLICT (transfer_id) DO UPDATE SET visibility = EXCLUDED.visibility,
                                    changed_by = EXCLUDED.changed_by, changed_at = EXCLUDED.changed_at""")
                        .params(id, visibility.toString(), reader.userId(), Timestamp.from(now))
                        .update();
                outbox.append(new Outbox.Event(
                        "transfer",
                        id.toString(),
                        transfer.fromUserId().toString(),
                        TransferVisibilityChanged.TYPE,
                        TransferVisibilityChanged.VERSION,
                        new TransferVisibilityChanged(
                                id,
                                transfer.fromUserId(),
                                transfer.toUserId(),
                                visibility.toString(),
                                reader.userId(),
                                now.toString())));
            }
            return Optional.of(views.of(transfer));
        });
    }
}
