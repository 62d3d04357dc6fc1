package org.openwallet;

import java.util.UUID;
import org.openwallet.ledger.Ledger;
import org.openwallet.ledger.TransferCommand;
import org.openwallet.ledger.TransferResult;
import org.openwallet.platform.database.Transactions;

/** Funds test users the way the demo does: an ordinary balanced transfer from a system account. */
public final class LedgerTestSupport {
    private LedgerTestSupport() {}

    /** A new signed-up, logged-in user holding {@code amountMinor} USD (none opened when 0). */
    public static Api.User fundedUser(Api api, Transactions transactions, Ledger ledger, long amountMinor) {
        Api.User user = api.newUser();
        if (amountMinor > 0) {
            fund(transactions, ledger, user.id(), amountMinor);
        }
        return user;
    }

    public static void fund(Transactions transactions, Ledger ledger, UUID userId, long amountMinor) {
        fund(transactions, ledger, userId, "USD", amountMinor);
    }

    /** Funds the user's wallet in {@code currency}, opening it first if the user has none in it. */
    public static void fund(Transactions transactions, Ledger ledger, UUID userId, String currency, long amountMinor) {
        TransferResult result = transactions.run(() -> ledger.post(new TransferCommand(
                ledger.systemAccount("test_funding", currency),
                ledger.openWallet(userId, currency),
                amountMinor,
                currency,
                "test_funding",
                null,
                null,
                "private")));
        if (!(result instanceof TransferResult.Posted)) {
            throw new IllegalStateException("funding failed: " + result);
        }
    }
}
