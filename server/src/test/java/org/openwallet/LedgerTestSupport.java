package org.openwallet;

import java.util.UUID;
import org.openwallet.ledger.Ledger;
import org.openwallet.ledger.TransferCommand;
import org.openwallet.ledger.TransferResult;
import org.openwallet.platform.Transactions;

/** Funds test users the way the demo does: an ordinary balanced transfer from a system account. */
public final class LedgerTestSupport {
    private LedgerTestSupport() {
    }

    public static void fund(Transactions transactions, Ledger ledger, UUID userId, long amountMinor) {
        TransferResult result = transactions.run(() -> ledger.post(new TransferCommand(
                ledger.systemAccount("test_funding", "USD"), ledger.walletOf(userId, "USD").orElseThrow(),
                amountMinor, "USD", "test_funding", null, null, "private")));
        if (!(result instanceof TransferResult.Posted)) {
            throw new IllegalStateException("funding failed: " + result);
        }
    }
}
