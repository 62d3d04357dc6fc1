package org.openwallet.transfer;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.stream.Stream;
import org.openwallet.identity.UserDirectory;
import org.openwallet.identity.Visibility;
import org.openwallet.ledger.LedgerTransfer;
import org.openwallet.platform.money.Currencies;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Transfers as a party sees them: the ledger row, the parties' handles and the visibility a party
 * narrowed it to, if any. Paying, narrowing and the history all answer with these views, so they
 * show one transfer the same way.
 */
@Component
class TransferViews {
    private final UserDirectory users;
    private final Currencies currencies;
    private final JdbcClient jdbc;

    TransferViews(UserDirectory users, Currencies currencies, JdbcClient jdbc) {
        this.users = users;
        this.currencies = currencies;
        this.jdbc = jdbc;
    }

    /** One transfer, its handles and narrowing read here. */
    TransferView of(LedgerTransfer transfer) {
        return of(List.of(transfer)).getFirst();
    }

    /** Several transfers, in their order; the handles and narrowings of all of them in one query each. */
    List<TransferView> of(List<LedgerTransfer> transfers) {
        Map<UUID, String> handles = users.handlesOf(transfers.stream()
                .flatMap(transfer -> Stream.of(transfer.fromUserId(), transfer.toUserId()))
                .filter(Objects::nonNull)
                .distinct()
                .toList());
        Map<UUID, Visibility> narrowed =
                narrowed(transfers.stream().map(LedgerTransfer::id).toList());
        return transfers.stream()
                .map(transfer -> of(transfer, handles, narrowed.get(transfer.id())))
                .toList();
    }

    /** The transfer as a party sees it; {@code narrowed} is the visibility a party narrowed it to, null if none. */
    TransferView of(LedgerTransfer transfer, Map<UUID, String> handles, Visibility narrowed) {
        Currencies.Currency currency = currencies.require(transfer.currency());
        Visibility visibility = Visibility.morePrivateOf(narrowed, stored(transfer.visibility()));
        return new TransferView(
                transfer.id(),
                transfer.kind(),
                "posted",
                transfer.fromUserId(),
                handles.get(transfer.fromUserId()),
                transfer.toUserId(),
                handles.get(transfer.toUserId()),
                currency.format(transfer.amountMinor()),
                currency.code(),
                transfer.note(),
                visibility == null ? null : visibility.toString(),
                transfer.createdAt().toString());
    }

    /** The narrowed visibility of those of {@code ids} a party made more private. */
    private Map<UUID, Visibility> narrowed(Collection<UUID> ids) {
        Map<UUID, Visibility> narrowed = new HashMap<>();
        if (!ids.isEmpty()) {
            jdbc.sql("SELECT transfer_id, visibility FROM transfer_visibility WHERE transfer_id IN (:ids)")
                    .param("ids", ids)
                    .query(rs -> {
                        narrowed.put((UUID) rs.getObject(1), stored(rs.getString(2)));
                    });
        }
        return narrowed;
    }

    /** A visibility as this server stored it; null (a transfer that is no payment) stays null, an unknown value is a bug. */
    static Visibility stored(String visibility) {
        return visibility == null
                ? null
                : Visibility.fromWire(visibility)
                        .orElseThrow(
                                () -> new IllegalStateException("a transfer has an unknown visibility: " + visibility));
    }
}
