package org.openwallet.funding;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.openwallet.platform.Currencies;
import org.openwallet.platform.Transactions;
import org.openwallet.platform.WalletProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Sends committed requests to the bank: at once after the commit, and again from a sweep for any
 * the bank has not accepted yet (it was down, or this process died in between). The request id is
 * the bank's idempotency key, so sending one twice is harmless. No database connection is held
 * while the bank is called.
 */
@Component
class BankSubmitter {
    private static final Logger log = LoggerFactory.getLogger(BankSubmitter.class);
    /** Younger requests are left to the submission right after their commit. */
    static final Duration SWEEP_GRACE = Duration.ofSeconds(2);

    private final BankNetwork bank;
    private final BankAccounts accounts;
    private final Funding funding;
    private final Transactions transactions;
    private final JdbcClient jdbc;
    private final Currencies currencies;
    private final Clock clock;
    private final boolean enabled;

    BankSubmitter(BankNetwork bank, BankAccounts accounts, Funding funding, Transactions transactions, JdbcClient jdbc, Currencies currencies,
                  Clock clock, WalletProperties properties) {
        this.bank = bank;
        this.accounts = accounts;
        this.funding = funding;
        this.transactions = transactions;
        this.jdbc = jdbc;
        this.currencies = currencies;
        this.clock = clock;
        this.enabled = properties.runs("api");
    }

    /** Sends the request in the background; the API answers 202 without waiting for the bank. */
    void submitSoon(UUID requestId) {
        Thread.ofVirtual().name("bank-submit-" + requestId).start(() -> submit(requestId));
    }

    @Scheduled(initialDelayString = "${wallet.funding.sweep-interval:5s}", fixedDelayString = "${wallet.funding.sweep-interval:5s}")
    void sweep() {
        if (!enabled) {
            return;
        }
        List<UUID> waiting = jdbc.sql("""
                SELECT id FROM funding_requests WHERE submitted_at IS NULL AND status = 'pending' AND created_at < ?
                ORDER BY created_at LIMIT 100
                """).param(Timestamp.from(clock.instant().minus(SWEEP_GRACE))).query(UUID.class).list();
        waiting.forEach(this::submit);
    }

    void submit(UUID requestId) {
        try {
            FundingRequest request = funding.find(requestId).orElseThrow();
            if (!request.status().equals(FundingRequest.PENDING) || request.submittedAt() != null) {
                return;
            }
            BankAccounts.Destination destination = accounts.destination(request.bankAccountId());
            BankNetwork.Submission answer = bank.submit(new BankNetwork.Order(request.id(),
                    request.kind().equals(FundingRequest.DEPOSIT) ? BankNetwork.Direction.DEBIT : BankNetwork.Direction.CREDIT,
                    destination.routingNumber(), destination.accountNumber(), destination.holderName(),
                    currencies.require(request.currency()).format(request.amountMinor()), request.currency()));
            switch (answer) {
                case BankNetwork.Submission.Accepted accepted -> jdbc.sql("""
                                UPDATE funding_requests SET submitted_at = ?, bank_transfer_id = ?, submit_attempts = submit_attempts + 1,
                                       last_submit_error = NULL
                                 WHERE id = ? AND submitted_at IS NULL""")
                        .params(Timestamp.from(clock.instant()), accepted.bankTransferId(), requestId).update();
                case BankNetwork.Submission.Rejected rejected -> {
                    log.warn("The bank rejected funding request {}: {}", requestId, rejected.reason());
                    transactions.run(() -> funding.applyOutcome(requestId, FundingRequest.FAILED, "rejected", null, clock.instant()));
                }
                case BankNetwork.Submission.Unavailable unavailable -> jdbc.sql("""
                                UPDATE funding_requests SET submit_attempts = submit_attempts + 1, last_submit_error = ? WHERE id = ?""")
                        .params(unavailable.reason(), requestId).update();
            }
        } catch (RuntimeException failure) {
            // The sweep tries again; the request stays pending meanwhile.
            log.error("Submitting funding request {} failed", requestId, failure);
        }
    }
}
