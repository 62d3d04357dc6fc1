package org.openwallet.account;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.openwallet.identity.AuthenticatedUser;
import org.openwallet.ledger.Balance;
import org.openwallet.ledger.Ledger;
import org.openwallet.platform.Currencies;
import org.openwallet.platform.ProblemCode;
import org.openwallet.platform.ProblemException;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
@Tag(name = "Accounts")
@SecurityRequirement(name = "bearer")
class BalanceController {
    private final Ledger ledger;
    private final Currencies currencies;

    BalanceController(Ledger ledger, Currencies currencies) {
        this.ledger = ledger;
        this.currencies = currencies;
    }

    /** {@code debt}: what the user owes after a deposit their bank returned late; always present, "0.00" when nothing. */
    record BalanceResponse(String currency, String available, String pending, String debt) {
    }

    @GetMapping("/v1/accounts/me/balance")
    @Operation(summary = "The caller's balance: available (spendable now), pending (on its way in) and debt (owed after a late bank return)")
    BalanceResponse balance(AuthenticatedUser user, @RequestParam(required = false) String currency) {
        Currencies.Currency wanted = currency == null ? currencies.defaultCurrency()
                : currencies.find(currency).orElseThrow(() -> new ProblemException(ProblemCode.NOT_FOUND, "No wallet in " + currency + "."));
        Balance balance = ledger.balanceOf(user.userId(), wanted.code())
                .orElseThrow(() -> new ProblemException(ProblemCode.NOT_FOUND, "No wallet in " + wanted.code() + "."));
        return new BalanceResponse(wanted.code(), wanted.format(balance.availableMinor()), wanted.format(balance.pendingMinor()),
                wanted.format(ledger.debtOf(user.userId(), wanted.code())));
    }
}
