package org.openwallet.account;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.openwallet.funding.DepositHolds;
import org.openwallet.identity.AuthenticatedUser;
import org.openwallet.ledger.Balance;
import org.openwallet.ledger.Ledger;
import org.openwallet.platform.money.Currencies;
import org.openwallet.platform.web.ApiContract;
import org.openwallet.platform.web.ProblemCode;
import org.openwallet.platform.web.ProblemException;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
@Tag(name = "Accounts", description = "The caller's balance")
class BalanceController {
    private final Ledger ledger;
    private final Currencies currencies;
    private final DepositHolds holds;

    BalanceController(Ledger ledger, Currencies currencies, DepositHolds holds) {
        this.ledger = ledger;
        this.currencies = currencies;
        this.holds = holds;
    }

    /**
     * {@code available} is spendable now, including {@code onHold}: money from recent deposits that the
     * bank can still return, which may be paid to people but not withdrawn yet. {@code withdrawable} is
     * available less on_hold. {@code pending} is on its way in and not spendable. {@code debt} is what
     * the user owes after a deposit their bank returned late; always present, "0.00" when nothing.
     */
    record BalanceResponse(
            String currency, String available, String pending, String onHold, String withdrawable, String debt) {}

    @GetMapping("/v1/accounts/me/balance")
    @ApiContract(problems = ProblemCode.NOT_FOUND)
    @Operation(
            summary =
                    "The caller's balance: available (spendable now), pending (on its way in), on_hold (part of available "
                            + "that cannot be withdrawn to a bank yet), withdrawable (available less on_hold) and debt (owed after a late bank return)",
            description =
                    "Amounts are decimal strings in the currency given (the default currency when absent); a currency the wallet does not hold is 404 not_found.")
    BalanceResponse balance(
            @Parameter(hidden = true) AuthenticatedUser user, @RequestParam(required = false) String currency) {
        Currencies.Currency wanted = currency == null
                ? currencies.defaultCurrency()
                : currencies
                        .find(currency)
                        .orElseThrow(
                                () -> new ProblemException(ProblemCode.NOT_FOUND, "No wallet in " + currency + "."));
        Balance balance = ledger.balanceOf(user.userId(), wanted.code())
                .orElseThrow(() -> new ProblemException(ProblemCode.NOT_FOUND, "No wallet in " + wanted.code() + "."));
        long availableMinor = balance.availableMinor();
        // Held money already spent is no longer in the wallet: on_hold never exceeds what is available.
        long onHoldMinor = Math.min(Math.max(0, availableMinor), holds.heldMinor(user.userId(), wanted.code()));
        return new BalanceResponse(
                wanted.code(),
                wanted.format(availableMinor),
                wanted.format(balance.pendingMinor()),
                wanted.format(onHoldMinor),
                wanted.format(availableMinor - onHoldMinor),
                wanted.format(ledger.debtOf(user.userId(), wanted.code())));
    }
}
