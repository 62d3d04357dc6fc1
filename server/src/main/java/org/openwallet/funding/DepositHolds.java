package org.openwallet.funding;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/**
 * Money from a deposit the bank can still return is on hold: spendable in the wallet (a payment to
 * a friend stays possible, as on Venmo), but not withdrawable to a bank until
 * {@code wallet.funding.deposit-hold-business-days} business days after the deposit settled.
 * Otherwise a deposit from a stolen or empty account could be cashed out before its ACH return
 * arrives. Business days are Monday to Friday in UTC, no holidays (the bank simulator's calendar):
 * the hold of a deposit settled at some time ends at the same time of day on the n-th business day
 * after that day (Friday + 1 is Monday; Saturday + 1 is Monday too).
 */
@Service
public class DepositHolds {
    /**
     * The most settled deposits one user's hold is computed from. Beyond it (a bound, not a real
     * case: deposits of a few days) every deposit in the window counts as held, never fewer.
     */
    static final int MAX_DEPOSITS = 10_000;

    private final JdbcClient jdbc;
    private final FundingProperties properties;
    private final Clock clock;

    DepositHolds(JdbcClient jdbc, FundingProperties properties, Clock clock) {
        this.jdbc = jdbc;
        this.properties = properties;
        this.clock = clock;
    }

    /** What the user's settled deposits in {@code currency} still hold, in minor units (may exceed what is left in the wallet). */
    public long heldMinor(UUID userId, String currency) {
        int days = properties.depositHoldBusinessDays();
        if (days == 0) {
            return 0;
        }
        Instant now = clock.instant();
        // n business days are at most n + 2 calendar days per started week (plus the weekend a Saturday settlement
        // waits through).
        Instant oldestHeld = now.minus(Duration.ofDays(days + 2L * (days / 5 + 1) + 2));
        List<long[]> deposits = jdbc.sql("""
                SELECT (extract(epoch FROM bank_settled_at) * 1000)::bigint, amount_minor FROM funding_requests
                 WHERE user_id = ? AND kind = 'deposit' AND status = 'settled' AND currency = ? AND bank_settled_at > ?
                 ORDER BY bank_settled_at DESC LIMIT ?""")
                .params(userId, currency, Timestamp.from(oldestHeld), MAX_DEPOSITS)
                .query((rs, n) -> new long[] {rs.getLong(1), rs.getLong(2)})
                .list();
        boolean all = deposits.size() == MAX_DEPOSITS;
        return deposits.stream()
                .filter(deposit -> all
                        || releasedAt(Instant.ofEpochMilli(deposit[0]), days).isAfter(now))
                .mapToLong(deposit -> deposit[1])
                .sum();
    }

    /** When the hold of a deposit settled at {@code settledAt} ends. */
    static Instant releasedAt(Instant settledAt, int businessDays) {
        ZonedDateTime time = settledAt.atZone(ZoneOffset.UTC);
        int counted = 0;
        while (counted < businessDays) {
            time = time.plusDays(1);
            if (time.getDayOfWeek() != DayOfWeek.SATURDAY && time.getDayOfWeek() != DayOfWeek.SUNDAY) {
                counted++;
            }
        }
        return time.toInstant();
    }
}
