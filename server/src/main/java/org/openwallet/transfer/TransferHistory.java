package org.openwallet.transfer;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.openwallet.identity.AuthenticatedUser;
import org.openwallet.ledger.Ledger;
import org.openwallet.ledger.LedgerTransfer;
import org.openwallet.platform.web.Cursors;
import org.openwallet.platform.web.ProblemCode;
import org.openwallet.platform.web.ProblemException;
import org.springframework.stereotype.Service;

/** The reader's own transfers: one by id, or a page at a time, newest first. A reader sees only transfers they took part in. */
@Service
class TransferHistory {
    static final int MAX_PAGE_SIZE = 100;

    private final Ledger ledger;
    private final TransferViews views;

    TransferHistory(Ledger ledger, TransferViews views) {
        this.ledger = ledger;
        this.views = views;
    }

    /** One page of the reader's transfers, newest first, and the cursor of the next page if there is one. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Page(List<TransferView> items, String nextCursor) {}

    /** The transfer, if the reader is a party to it; another user's and one that does not exist look the same. */
    Optional<TransferView> find(AuthenticatedUser reader, UUID id) {
        return ledger.findTransfer(id)
                .filter(transfer -> transfer.involves(reader.userId()))
                .map(views::of);
    }

    Page page(AuthenticatedUser reader, int limit, String cursor) {
        if (limit < 1 || limit > MAX_PAGE_SIZE) {
            throw new ProblemException(
                    ProblemCode.VALIDATION_FAILED, "limit must be between 1 and " + MAX_PAGE_SIZE + ".");
        }
        UUID before = cursor == null ? null : Cursors.decode(cursor);
        // One more than asked tells whether another page exists, so the last page has no cursor.
        List<LedgerTransfer> rows = ledger.history(reader.userId(), before, limit + 1);
        boolean more = rows.size() > limit;
        List<LedgerTransfer> page = more ? rows.subList(0, limit) : rows;
        return new Page(
                views.of(page), more ? Cursors.encode(page.get(page.size() - 1).id()) : null);
    }
}
