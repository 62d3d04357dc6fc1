package org.openwallet.funding;

import java.security.SecureRandom;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.openwallet.audit.Actor;
import org.openwallet.audit.AuditLog;
import org.openwallet.platform.Ids;
import org.openwallet.platform.database.Transactions;
import org.openwallet.platform.web.ProblemCode;
import org.openwallet.platform.web.ProblemException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/**
 * A user's linked bank accounts. Linking the same account again returns the one already linked;
 * removing one keeps its row (deposits and withdrawals refer to it) but it can no longer be used.
 *
 * <p>A new account is {@code pending_verification} until its owner confirms the two micro-deposits
 * the bank sent to it ({@link BankAccountVerification}); only an {@code active} (verified) account
 * can be used. A user has at most {@code wallet.funding.max-bank-accounts} accounts linked, and an
 * account number another user holds verified is refused unless an admin allowed it (compared by
 * routing number and the number's keyed fingerprint, never the number itself).
 */
@Service
class BankAccounts {
    /** What ACH entries carry (and the bank simulator accepts). */
    static final int MAX_HOLDER_NAME = 100;
    /** Failed verifications of one account number, across users, after which it cannot be linked again for a while. */
    static final int MAX_FAILED_VERIFICATIONS_PER_NUMBER = 2;

    static final java.time.Duration FAILED_VERIFICATION_WINDOW = java.time.Duration.ofDays(30);

    private final JdbcClient jdbc;
    private final Transactions transactions;
    private final AccountNumbers numbers;
    private final Clock clock;
    private final FundingProperties properties;
    private final AuditLog audit;
    private final SecureRandom random = new SecureRandom();

    BankAccounts(
            JdbcClient jdbc,
            Transactions transactions,
            AccountNumbers numbers,
            Clock clock,
            FundingProperties properties,
            AuditLog audit) {
        this.jdbc = jdbc;
        this.audit = audit;
        this.transactions = transactions;
        this.numbers = numbers;
        this.clock = clock;
        this.properties = properties;
    }

    static final String PENDING_VERIFICATION = "pending_verification";
    static final String ACTIVE = "active";
    static final String VERIFICATION_FAILED = "verification_failed";
    static final String REMOVED = "removed";

    record BankAccount(
            UUID id,
            UUID userId,
            String routingNumber,
            String last4,
            String holderName,
            String bankName,
            String status,
            Instant createdAt) {}

    record Linked(BankAccount account, boolean created) {}

    /** What the bank adapter needs: the account with its number opened. Never leaves the server. */
    record Destination(String routingNumber, String accountNumber, String holderName) {}

    /**
     * The checks of a link request that need nothing but the request.
     *
     * @throws ProblemException 400 {@code validation_failed}
     */
    static void requireValidLink(String routingNumber, String accountNumber, String holderName) {
        if (!RoutingNumbers.isValid(routingNumber)) {
            throw invalid("routing_number must be a valid 9-digit ABA routing number.");
        }
        if (accountNumber == null || !accountNumber.matches("[0-9]{4,17}")) {
            throw invalid("account_number must be 4 to 17 digits.");
        }
        String holder = holderName == null ? "" : holderName.strip();
        if (holder.isEmpty()
                || holder.length() > MAX_HOLDER_NAME
                || holder.chars().anyMatch(Character::isISOControl)) {
            throw invalid("holder_name must be 1 to " + MAX_HOLDER_NAME + " characters.");
        }
    }

    Linked link(UUID userId, String routingNumber, String accountNumber, String holderName) {
        requireValidLink(routingNumber, accountNumber, holderName);
        String holder = holderName.strip();
        byte[] fingerprint = numbers.fingerprint(accountNumber);
        return transactions.run(() -> {
            // One link at a time per user, so the same account linked twice at once ends as one row.
            jdbc.sql("SELECT id FROM users WHERE id = ? FOR UPDATE")
                    .param(userId)
                    .query(UUID.class)
                    .list();
            Optional<BankAccount> existing = jdbc.sql(
                            SELECT
                                    + " WHERE user_id = ? AND routing_number = ? AND account_fingerprint = ? AND status IN ('pending_verification', 'active')")
                    .params(userId, routingNumber, fingerprint)
                    .query((rs, n) -> account(rs))
                    .optional();
            if (existing.isPresent()) {
                return new Linked(existing.get(), false);
            }
            long linked = jdbc.sql(
                            "SELECT count(*) FROM bank_accounts WHERE user_id = ? AND status IN ('pending_verification', 'active')")
                    .param(userId)
                    .query(Long.class)
                    .single();
            if (linked >= properties.maxBankAccounts()) {
                throw new ProblemException(
                        ProblemCode.BANK_ACCOUNT_LIMIT_REACHED,
                        "You have " + linked + " bank accounts linked, the most allowed; "
                                + "remove one to link another.");
            }
            lockNumber(routingNumber, fingerprint);
            if (inUseByAnother(userId, routingNumber, fingerprint)) {
                throw inUse();
            }
            if (failedVerificationsOf(routingNumber, fingerprint) >= MAX_FAILED_VERIFICATIONS_PER_NUMBER) {
                throw new ProblemException(
                        ProblemCode.BANK_ACCOUNT_LOCKED,
                        "This bank account failed verification too often to be linked "
                                + "again for now; contact support.");
            }
            UUID id = Ids.next();
            jdbc.sql("""
                    INSERT INTO bank_accounts (id, user_id, routing_number, account_number_sealed, account_fingerprint, last4, holder_name,
                                               bank_name, status, micro_deposits_sealed, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending_verification', ?, ?)
                    """)
                    .params(
                            id,
                            userId,
                            routingNumber,
                            numbers.seal(id, accountNumber),
                            fingerprint,
                            last4(accountNumber),
                            holder,
                            RoutingNumbers.bankName(routingNumber).orElse(null),
                            numbers.sealMicroDeposits(id, newMicroDeposits()),
                            Timestamp.from(clock.instant()))
                    .update();
            return new Linked(find(userId, id).orElseThrow(), true);
        });
    }

    /**
     * Allows {@code userId} to link an account number another user holds verified (a joint account),
     * audited as {@code actor} with the last four digits only; false when it was allowed before.
     */
    boolean allowLinking(Actor actor, UUID grantedBy, UUID userId, String routingNumber, String accountNumber) {
        String last4 = last4(accountNumber);
        byte[] fingerprint = numbers.fingerprint(accountNumber);
        return transactions.run(() -> {
            if (jdbc.sql("SELECT count(*) FROM users WHERE id = ?")
                            .param(userId)
                            .query(Long.class)
                            .single()
                    == 0) {
                throw new ProblemException(ProblemCode.USER_NOT_FOUND, "No user " + userId + ".");
            }
            int inserted = jdbc.sql("""
                    INSERT INTO bank_account_allowances (user_id, routing_number, account_fingerprint, last4, granted_by, granted_at)
                    VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""")
                    .params(userId, routingNumber, fingerprint, last4, grantedBy, Timestamp.from(clock.instant()))
                    .update();
            if (inserted == 1) {
                Map<String, Object> after = new LinkedHashMap<>();
                after.put("allowed", true);
                after.put("routing_number", routingNumber);
                after.put("last4", last4);
                audit.append(actor, "bank_account_allowance.granted", "user", userId, Map.of("allowed", false), after);
            }
            return inserted == 1;
        });
    }

    /**
     * Links of one account number, by any users, whose micro-deposits were answered wrong too often,
     * within {@link #FAILED_VERIFICATION_WINDOW}. Each link gives three guesses at about 4,950 pairs;
     * without a bound across users and links, re-linking (or many accounts) would guess someone
     * else's account into verification.
     */
    private long failedVerificationsOf(String routingNumber, byte[] fingerprint) {
        return jdbc.sql("""
                SELECT count(*) FROM bank_accounts
                 WHERE routing_number = ? AND account_fingerprint = ? AND status = 'verification_failed' AND created_at > ?
                """)
                .params(
                        routingNumber,
                        fingerprint,
                        Timestamp.from(clock.instant().minus(FAILED_VERIFICATION_WINDOW)))
                .query(Long.class)
                .single();
    }

    /** Two amounts of 1 to 99 cents, as {@code "0.32,0.07"}: random, so only the account's owner can read them off the statement. */
    private String newMicroDeposits() {
        return "0." + String.format("%02d", 1 + random.nextInt(99)) + ",0."
                + String.format("%02d", 1 + random.nextInt(99));
    }

    /**
     * Serializes, across users, the links and verifications of one account number (a transaction
     * lock on its fingerprint), so two users cannot both get it verified at the same moment.
     */
    void lockNumber(String routingNumber, byte[] fingerprint) {
        jdbc.sql("SELECT pg_advisory_xact_lock(hashtextextended('bank-account:' || ? || ':' || encode(?, 'hex'), 0))")
                .params(routingNumber, fingerprint)
                .query((rs, n) -> 1)
                .list();
    }

    /** Whether another user holds this number verified, and no admin allowed {@code userId} to link it too. */
    boolean inUseByAnother(UUID userId, String routingNumber, byte[] fingerprint) {
        return jdbc.sql("""
                SELECT EXISTS (SELECT 1 FROM bank_accounts WHERE routing_number = ? AND account_fingerprint = ? AND status = 'active' AND user_id <> ?)
                   AND NOT EXISTS (SELECT 1 FROM bank_account_allowances WHERE user_id = ? AND routing_number = ? AND account_fingerprint = ?)
                """)
                .params(routingNumber, fingerprint, userId, userId, routingNumber, fingerprint)
                .query(Boolean.class)
                .single();
    }

    /** The last four digits of an account number: all that is shown or audited of it. */
    static String last4(String accountNumber) {
        return accountNumber.substring(accountNumber.length() - 4);
    }

    static ProblemException inUse() {
        return new ProblemException(
                ProblemCode.BANK_ACCOUNT_IN_USE,
                "This bank account is linked to another user of this wallet. If it is also yours (a joint account), contact support.");
    }

    List<BankAccount> list(UUID userId) {
        return jdbc.sql(SELECT + " WHERE user_id = ? AND status <> 'removed' ORDER BY id")
                .param(userId)
                .query((rs, n) -> account(rs))
                .list();
    }

    Optional<BankAccount> find(UUID userId, UUID id) {
        return jdbc.sql(SELECT + " WHERE user_id = ? AND id = ?")
                .params(userId, id)
                .query((rs, n) -> account(rs))
                .optional();
    }

    /** Removes a linked account; true if it was linked (removing it again changes nothing). */
    boolean remove(UUID userId, UUID id) {
        return jdbc.sql(
                                "UPDATE bank_accounts SET status = 'removed', removed_at = ? WHERE user_id = ? AND id = ? AND status <> 'removed'")
                        .params(Timestamp.from(clock.instant()), userId, id)
                        .update()
                == 1;
    }

    Destination destination(UUID accountId) {
        return jdbc.sql("SELECT routing_number, account_number_sealed, holder_name FROM bank_accounts WHERE id = ?")
                .param(accountId)
                .query((rs, n) ->
                        new Destination(rs.getString(1), numbers.open(accountId, rs.getBytes(2)), rs.getString(3)))
                .single();
    }

    private static final String SELECT =
            "SELECT id, user_id, routing_number, last4, holder_name, bank_name, status, created_at FROM bank_accounts";

    private static BankAccount account(java.sql.ResultSet rs) throws java.sql.SQLException {
        return new BankAccount(
                (UUID) rs.getObject("id"),
                (UUID) rs.getObject("user_id"),
                rs.getString("routing_number"),
                rs.getString("last4"),
                rs.getString("holder_name"),
                rs.getString("bank_name"),
                rs.getString("status"),
                rs.getTimestamp("created_at").toInstant());
    }

    private static ProblemException invalid(String detail) {
        return new ProblemException(ProblemCode.VALIDATION_FAILED, detail);
    }
}
