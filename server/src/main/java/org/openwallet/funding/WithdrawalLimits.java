package org.openwallet.funding;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.openwallet.ledger.Balance;
import org.openwallet.ledger.Ledger;
import org.openwallet.platform.money.Currencies;
import org.openwallet.platform.web.Problem;
import org.openwallet.platform.web.ProblemCode;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/**
 * The controls on a cash-out, checked inside the withdrawal's transaction right after its hold is
 * recorded, i.e. while the wallet's row is locked: parallel withdrawals of one user queue on that
 * lock, each sees the ones before it, and none can race past a limit (as the P2P weekly limit in
 * {@code Ledger.post}). In order:
 * <ol>
 *   <li>velocity: at most {@code withdrawal-velocity-max-count} withdrawals per {@code withdrawal-velocity-window};</li>
 *   <li>the weekly limit of the user's verification tier ({@code fraud_profiles}) for the currency, over
 *       {@code withdrawal-window}: withdrawals pending or settled count, failed and returned ones do not;</li>
 *   <li>the deposit hold ({@link DepositHolds}): what is left after the withdrawal and its fee must
 *       still cover the money on hold.</li>
 * </ol>
 * The per-request rate limit ({@code withdrawal-per-user}) is applied before, at the API edge.
 */
@Service
class WithdrawalLimits {
    static final String WEEKLY_LIMIT = "weekly_limit";
    static final String VELOCITY = "velocity";

    private final JdbcClient jdbc;
    private final Ledger ledger;
    private final DepositHolds holds;
    private final Currencies currencies;
    private final FundingProperties properties;
    private final Clock clock;
    /** Per currency code, the weekly limits in its minor units; a currency without them cannot be withdrawn. */
    private final Map<String, TierLimitsMinor> weeklyLimits;

    private record TierLimitsMinor(long unverified, long verified) {}

    WithdrawalLimits(
            JdbcClient jdbc,
            Ledger ledger,
            DepositHolds holds,
            Currencies currencies,
            FundingProperties properties,
            Clock clock) {
        this.jdbc = jdbc;
        this.ledger = ledger;
        this.holds = holds;
        this.currencies = currencies;
        this.properties = properties;
        this.clock = clock;
        // Read once at startup in each currency's own units: a malformed entry (999.99 for JPY) stops the start, not a
        // withdrawal.
        this.weeklyLimits = currencies.perCurrency(
                "wallet.funding.withdrawal-weekly-limits",
                properties.withdrawalWeeklyLimits(),
                (currency, tiers) -> new TierLimitsMinor(
                        currency.parseSetting("unverified", tiers.unverified()),
                        currency.parseSetting("verified", tiers.verified())));
    }

    /**
     * The problem that declines this withdrawal, if any. Call after the withdrawal's pending transfer
     * is recorded (the wallet row is locked then, and the balance already shows the hold) and before
     * its own request row is written.
     */
    Optional<Problem> decline(UUID userId, String currencyCode, long amountMinor, long feeMinor) {
        Currencies.Currency currency = currencies.require(currencyCode);
        Instant now = clock.instant();
        long recent = jdbc.sql(
                        "SELECT count(*) FROM funding_requests WHERE user_id = ? AND kind = 'withdrawal' AND created_at > ?")
                .params(userId, Timestamp.from(now.minus(properties.withdrawalVelocityWindow())))
                .query(Long.class)
                .single();
        if (recent + 1 > properties.withdrawalVelocityMaxCount()) {
            return Optional.of(Problem.of(
                            ProblemCode.WITHDRAWAL_LIMIT_EXCEEDED,
                            "At most " + properties.withdrawalVelocityMaxCount() + " withdrawals per "
                                    + properties.withdrawalVelocityWindow().toHours() + " hours; try again later.")
                    .withReason(VELOCITY));
        }
        TierLimitsMinor tiers = weeklyLimits.get(currency.code());
        if (tiers == null) {
            return Optional.of(Problem.of(
                            ProblemCode.WITHDRAWAL_LIMIT_EXCEEDED,
                            "Withdrawals in " + currency.code() + " are not enabled.")
                    .withReason(WEEKLY_LIMIT));
        }
        // The tier is the fraud capability's (an admin sets it); read here as the fraud check reads it.
        String tier = jdbc.sql("SELECT tier FROM fraud_profiles WHERE user_id = ?")
                .param(userId)
                .query(String.class)
                .optional()
                .orElse("unverified");
        long limitMinor = tier.equals("verified") ? tiers.verified() : tiers.unverified();
        long withdrawnMinor = jdbc.sql("""
                SELECT coalesce(sum(amount_minor), 0) FROM funding_requests
                 WHERE user_id = ? AND kind = 'withdrawal' AND currency = ? AND status IN ('pending', 'settled') AND created_at > ?""")
                .params(userId, currency.code(), Timestamp.from(now.minus(properties.withdrawalWindow())))
                .query(Long.class)
                .single();
        if (withdrawnMinor + amountMinor > limitMinor) {
            return Optional.of(Problem.of(
                            ProblemCode.WITHDRAWAL_LIMIT_EXCEEDED,
                            "Your limit for withdrawals to a bank is " + currency.format(limitMinor)
                                    + " " + currency.code() + " per "
                                    + properties.withdrawalWindow().toDays() + " days (" + tier
                                    + "); you have withdrawn "
                                    + currency.format(withdrawnMinor) + ", so at most "
                                    + currency.format(Math.max(0, limitMinor - withdrawnMinor))
                                    + " more now.")
                    .withReason(WEEKLY_LIMIT));
        }
        long heldMinor = holds.heldMinor(userId, currency.code());
        long leftMinor = ledger.balanceOf(userId, currency.code())
                        .map(Balance::availableMinor)
                        .orElse(0L)
                - feeMinor;
        if (heldMinor > 0 && leftMinor < heldMinor) {
            long withdrawable = Math.max(0, leftMinor + feeMinor + amountMinor - heldMinor);
            return Optional.of(Problem.of(
                    ProblemCode.FUNDS_ON_HOLD,
                    currency.format(heldMinor) + " " + currency.code()
                            + " from recent deposits is on hold until the bank can no longer return it ("
                            + properties.depositHoldBusinessDays()
                            + " business days after each settled); you can withdraw at most "
                            + currency.format(withdrawable)
                            + (feeMinor > 0 ? ", the instant fee included," : "") + " now."));
        }
        return Optional.empty();
    }
}
