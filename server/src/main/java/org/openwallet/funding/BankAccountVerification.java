package org.openwallet.funding;

import java.sql.Timestamp;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.openwallet.platform.database.Transactions;
import org.openwallet.platform.money.Currencies;
import org.openwallet.platform.money.Money;
import org.openwallet.platform.web.ProblemCode;
import org.openwallet.platform.web.ProblemException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/**
 * Verifies a linked bank account by micro-deposits, as Venmo, PayPal and Stripe do: at link time the
 * bank credits two random amounts of 1 to 99 cents to the account; its owner reads them on the
 * statement and types them back ({@code POST /v1/bank-accounts/{id}/verify}, in either order).
 * Someone who only knows an account number cannot. The amounts are the operator's expense, not
 * wallet money (no ledger entry). They are kept sealed until the account is verified, then
 * forgotten. {@code wallet.funding.verification-attempts} wrong answers lock the account
 * ({@code verification_failed}) for good: new micro-deposits need a new link.
 */
@Service
class BankAccountVerification {
    private static final Logger log = LoggerFactory.getLogger(BankAccountVerification.class);

    private final JdbcClient jdbc;
    private final Transactions transactions;
    private final AccountNumbers numbers;
    private final BankAccounts accounts;
    private final BankNetwork bank;
    private final FundingProperties properties;
    private final Currencies currencies;
    private final Clock clock;

    BankAccountVerification(
            JdbcClient jdbc,
            Transactions transactions,
            AccountNumbers numbers,
            BankAccounts accounts,
            BankNetwork bank,
            FundingProperties properties,
            Currencies currencies,
            Clock clock) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.numbers = numbers;
        this.accounts = accounts;
        this.bank = bank;
        this.properties = properties;
        this.currencies = currencies;
        this.clock = clock;
    }

    private record Pending(
            UUID id,
            UUID userId,
            String routingNumber,
            byte[] fingerprint,
            String status,
            byte[] microDepositsSealed,
            boolean sent,
            int attempts) {}

    /**
     * Asks the bank to send the account's micro-deposits, unless they were sent already. Call after
     * the link committed (no connection is held during the call). An unreachable bank leaves them
     * unsent: linking the same account again tries again, with the same amounts and id (the bank's
     * idempotency key), so the customer never gets two pairs.
     */
    void sendMicroDeposits(UUID accountId) {
        Optional<Pending> found = find(accountId, false);
        if (found.isEmpty()
                || !found.get().status().equals(BankAccounts.PENDING_VERIFICATION)
                || found.get().sent()) {
            return;
        }
        BankAccounts.Destination destination = accounts.destination(accountId);
        List<String> amounts =
                List.of(numbers.openMicroDeposits(accountId, found.get().microDepositsSealed())
                        .split(","));
        BankNetwork.Submission answer = bank.sendMicroDeposits(new BankNetwork.MicroDepositOrder(
                accountId,
                destination.routingNumber(),
                destination.accountNumber(),
                destination.holderName(),
                amounts,
                currencies.defaultCurrency().code()));
        switch (answer) {
            // The bank already holding an order under this id means an earlier send arrived: sent either way.
            case BankNetwork.Submission.Accepted accepted -> markSent(accountId);
            case BankNetwork.Submission.AlreadyAccepted duplicate -> markSent(accountId);
            case BankNetwork.Submission.Rejected rejected -> {
                // The bank will never take it (the account does not exist there): it can never be verified.
                log.warn("The bank refused the micro-deposits of bank account {}: {}", accountId, rejected.reason());
                jdbc.sql(
                                "UPDATE bank_accounts SET status = 'verification_failed' WHERE id = ? AND status = 'pending_verification'")
                        .param(accountId)
                        .update();
            }
            case BankNetwork.Submission.Unavailable unavailable ->
                log.warn("Micro-deposits of bank account {} not sent yet: {}", accountId, unavailable.reason());
        }
    }

    private void markSent(UUID accountId) {
        jdbc.sql("UPDATE bank_accounts SET micro_deposits_sent_at = ? WHERE id = ?")
                .params(Timestamp.from(clock.instant()), accountId)
                .update();
    }

    /** The outcome of a verification attempt. */
    sealed interface Outcome {
        /** The account is active now (or was already). */
        record Verified() implements Outcome {}

        /** The amounts are wrong; {@code attemptsLeft} more tries before the account locks (0: it is locked now). */
        record Wrong(int attemptsLeft) implements Outcome {}

        /** Locked by earlier wrong answers, or refused by the bank. */
        record Locked() implements Outcome {}

        /** The bank has not sent the micro-deposits yet. */
        record NotSent() implements Outcome {}
    }

    /**
     * Checks the amounts against the micro-deposits of the user's account. A wrong answer is counted
     * (committed) before it is answered, so parallel guesses share the attempts.
     *
     * @throws ProblemException 404 for an account that is not the user's (or removed), 400 for amounts that are not
     *                          two decimal strings of 0.01 to 0.99, 409 {@code bank_account_in_use} when another user got the
     *                          same number verified first
     */
    Outcome verify(UUID userId, UUID accountId, List<String> amounts) {
        long[] given = parse(amounts);
        return transactions.run(() -> {
            Pending account = find(accountId, true)
                    .filter(found ->
                            found.userId().equals(userId) && !found.status().equals(BankAccounts.REMOVED))
                    .orElseThrow(
                            () -> new ProblemException(ProblemCode.NOT_FOUND, "No bank account " + accountId + "."));
            switch (account.status()) {
                case BankAccounts.ACTIVE -> {
                    return new Outcome.Verified();
                }
                case BankAccounts.VERIFICATION_FAILED -> {
                    return new Outcome.Locked();
                }
                default -> {}
            }
            if (!account.sent()) {
                return new Outcome.NotSent();
            }
            long[] sent = Arrays.stream(numbers.openMicroDeposits(accountId, account.microDepositsSealed())
                            .split(","))
                    .mapToLong(amount -> Money.parseMinor(amount, 2))
                    .sorted()
                    .toArray();
            if (!Arrays.equals(sent, given)) {
                int attempts = account.attempts() + 1;
                boolean locked = attempts >= properties.verificationAttempts();
                jdbc.sql("UPDATE bank_accounts SET verification_attempts = ?, status = ? WHERE id = ?")
                        .params(
                                attempts,
                                locked ? BankAccounts.VERIFICATION_FAILED : BankAccounts.PENDING_VERIFICATION,
                                accountId)
                        .update();
                if (locked) {
                    log.info("Bank account {} locked after {} wrong micro-deposit answers", accountId, attempts);
                }
                return new Outcome.Wrong(properties.verificationAttempts() - attempts);
            }
            accounts.lockNumber(account.routingNumber(), account.fingerprint());
            if (accounts.inUseByAnother(userId, account.routingNumber(), account.fingerprint())) {
                throw BankAccounts.inUse();
            }
            jdbc.sql(
                            "UPDATE bank_accounts SET status = 'active', verified_at = ?, micro_deposits_sealed = NULL WHERE id = ?")
                    .params(Timestamp.from(clock.instant()), accountId)
                    .update();
            return new Outcome.Verified();
        });
    }

    /** The two amounts in cents, sorted (the order they are given in does not matter). */
    private static long[] parse(List<String> amounts) {
        String expected = "amounts must be the two micro-deposits as decimal strings, e.g. [\"0.32\", \"0.45\"].";
        if (amounts == null || amounts.size() != 2) {
            throw new ProblemException(ProblemCode.VALIDATION_FAILED, expected);
        }
        long[] cents = new long[2];
        for (int i = 0; i < 2; i++) {
            try {
                cents[i] = Money.parseMinor(amounts.get(i), 2);
            } catch (IllegalArgumentException invalid) {
                throw new ProblemException(ProblemCode.VALIDATION_FAILED, expected);
            }
            if (cents[i] < 1 || cents[i] > 99) {
                throw new ProblemException(
                        ProblemCode.VALIDATION_FAILED, "Each micro-deposit is between 0.01 and 0.99.");
            }
        }
        Arrays.sort(cents);
        return cents;
    }

    private Optional<Pending> find(UUID accountId, boolean lock) {
        return jdbc.sql("""
                SELECT id, user_id, routing_number, account_fingerprint, status, micro_deposits_sealed, micro_deposits_sent_at IS NOT NULL,
                       verification_attempts FROM bank_accounts WHERE id = ?""" + (lock ? " FOR UPDATE" : ""))
                .param(accountId)
                .query((rs, n) -> new Pending(
                        (UUID) rs.getObject(1),
                        (UUID) rs.getObject(2),
                        rs.getString(3),
                        rs.getBytes(4),
                        rs.getString(5),
                        rs.getBytes(6),
                        rs.getBoolean(7),
                        rs.getInt(8)))
                .optional();
    }
}
