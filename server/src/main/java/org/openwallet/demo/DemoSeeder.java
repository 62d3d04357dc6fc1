package org.openwallet.demo;

import java.util.List;
import org.openwallet.identity.Identity;
import org.openwallet.identity.UserDirectory;
import org.openwallet.identity.UserSummary;
import org.openwallet.ledger.Ledger;
import org.openwallet.ledger.TransferCommand;
import org.openwallet.ledger.TransferResult;
import org.openwallet.platform.database.Transactions;
import org.openwallet.platform.money.Currencies;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.stereotype.Component;

/**
 * Creates the demo users and funds each once from the {@code demo_funding} system account. The
 * funding transfer carries a fixed reference per user, so running the demo again on the same data
 * finds it and moves nothing.
 */
@Component
@ConditionalOnBooleanProperty("wallet.demo.enabled")
class DemoSeeder implements ApplicationRunner {
    private static final Logger log = LoggerFactory.getLogger(DemoSeeder.class);
    static final List<String> HANDLES = List.of("alice", "bob");
    static final String PASSWORD = "demo-password-1";
    static final String FUNDING_ACCOUNT = "demo_funding";
    static final String FUNDING_AMOUNT = "1000.00";

    private final Identity identity;
    private final UserDirectory users;
    private final Ledger ledger;
    private final Currencies currencies;
    private final Transactions transactions;

    DemoSeeder(
            Identity identity, UserDirectory users, Ledger ledger, Currencies currencies, Transactions transactions) {
        this.identity = identity;
        this.users = users;
        this.ledger = ledger;
        this.currencies = currencies;
        this.transactions = transactions;
    }

    @Override
    public void run(ApplicationArguments args) {
        Currencies.Currency currency = currencies.defaultCurrency();
        long amountMinor = currency.parse(FUNDING_AMOUNT);
        for (String handle : HANDLES) {
            UserSummary user = users.findByHandle(handle).orElseGet(() -> identity.signUp(handle, PASSWORD, null));
            TransferResult result = transactions.run(() -> ledger.post(new TransferCommand(
                    ledger.systemAccount(FUNDING_ACCOUNT, currency.code()),
                    ledger.openWallet(user.id(), currency.code()),
                    amountMinor,
                    currency.code(),
                    "demo_funding",
                    "demo-funding:" + user.id(),
                    "Demo funding",
                    "private")));
            switch (result) {
                case TransferResult.Posted posted ->
                    log.info("Demo: funded @{} with {} {}", handle, FUNDING_AMOUNT, currency.code());
                case TransferResult.AlreadyPosted already ->
                    log.info("Demo: @{} was funded before; nothing moved", handle);
                case TransferResult.InsufficientFunds impossible ->
                    throw new IllegalStateException("a system account cannot lack funds: " + impossible);
                case TransferResult.LimitExceeded impossible ->
                    throw new IllegalStateException("demo funding has no sending limit: " + impossible);
                case TransferResult.InDebt impossible ->
                    throw new IllegalStateException("a system account owes nothing: " + impossible);
            }
        }
        log.info("Demo users ready: alice and bob, password '{}'", PASSWORD);
    }
}
