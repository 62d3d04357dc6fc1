package org.openwallet.funding;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.openwallet.platform.Ids;
import org.openwallet.platform.ProblemCode;
import org.openwallet.platform.ProblemException;
import org.openwallet.platform.Transactions;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/**
 * A user's linked bank accounts. Linking the same account again returns the one already linked;
 * removing one keeps its row (deposits and withdrawals refer to it) but it can no longer be used.
 */
@Service
class BankAccounts {
    /** What ACH entries carry (and the bank simulator accepts). */
    static final int MAX_HOLDER_NAME = 100;

    private final JdbcClient jdbc;
    private final Transactions transactions;
    private final AccountNumbers numbers;
    private final Clock clock;

    BankAccounts(JdbcClient jdbc, Transactions transactions, AccountNumbers numbers, Clock clock) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.numbers = numbers;
        this.clock = clock;
    }

    record BankAccount(UUID id, UUID userId, String routingNumber, String last4, String holderName, String bankName, String status,
                       Instant createdAt) {
    }

    record Linked(BankAccount account, boolean created) {
    }

    /** What the bank adapter needs: the account with its number opened. Never leaves the server. */
    record Destination(String routingNumber, String accountNumber, String holderName) {
    }

    Linked link(UUID userId, String routingNumber, String accountNumber, String holderName) {
        if (!RoutingNumbers.isValid(routingNumber)) {
            throw invalid("routing_number must be a valid 9-digit ABA routing number.");
        }
        if (accountNumber == null || !accountNumber.matches("[0-9]{4,17}")) {
            throw invalid("account_number must be 4 to 17 digits.");
        }
        String holder = holderName == null ? "" : holderName.strip();
        if (holder.isEmpty() || holder.length() > MAX_HOLDER_NAME || holder.chars().anyMatch(Character::isISOControl)) {
            throw invalid("holder_name must be 1 to " + MAX_HOLDER_NAME + " characters.");
        }
        byte[] fingerprint = numbers.fingerprint(accountNumber);
        return transactions.run(() -> {
            // One link at a time per user, so the same account linked twice at once ends as one row.
            jdbc.sql("SELECT id FROM users WHERE id = ? FOR UPDATE").param(userId).query(UUID.class).list();
            Optional<BankAccount> existing = jdbc.sql(SELECT + " WHERE user_id = ? AND routing_number = ? AND account_fingerprint = ? AND status = 'active'")
                    .params(userId, routingNumber, fingerprint).query((rs, n) -> account(rs)).optional();
            if (existing.isPresent()) {
                return new Linked(existing.get(), false);
            }
            UUID id = Ids.next();
            jdbc.sql("""
                    INSERT INTO bank_accounts (id, user_id, routing_number, account_number_sealed, account_fingerprint, last4, holder_name,
                                               bank_name, status, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'active', ?)
                    """)
                    .params(id, userId, routingNumber, numbers.seal(id, accountNumber), fingerprint,
                            accountNumber.substring(accountNumber.length() - 4), holder, RoutingNumbers.bankName(routingNumber).orElse(null),
                            Timestamp.from(clock.instant()))
                    .update();
            return new Linked(find(userId, id).orElseThrow(), true);
        });
    }

    List<BankAccount> list(UUID userId) {
        return jdbc.sql(SELECT + " WHERE user_id = ? AND status = 'active' ORDER BY id").param(userId).query((rs, n) -> account(rs)).list();
    }

    Optional<BankAccount> find(UUID userId, UUID id) {
        return jdbc.sql(SELECT + " WHERE user_id = ? AND id = ?").params(userId, id).query((rs, n) -> account(rs)).optional();
    }

    /** Removes a linked account; true if it was linked (removing it again changes nothing). */
    boolean remove(UUID userId, UUID id) {
        return jdbc.sql("UPDATE bank_accounts SET status = 'removed', removed_at = ? WHERE user_id = ? AND id = ? AND status = 'active'")
                .params(Timestamp.from(clock.instant()), userId, id).update() == 1;
    }

    Destination destination(UUID accountId) {
        return jdbc.sql("SELECT routing_number, account_number_sealed, holder_name FROM bank_accounts WHERE id = ?")
                .param(accountId)
                .query((rs, n) -> new Destination(rs.getString(1), numbers.open(accountId, rs.getBytes(2)), rs.getString(3)))
                .single();
    }

    private static final String SELECT = "SELECT id, user_id, routing_number, last4, holder_name, bank_name, status, created_at FROM bank_accounts";

    private static BankAccount account(java.sql.ResultSet rs) throws java.sql.SQLException {
        return new BankAccount((UUID) rs.getObject("id"), (UUID) rs.getObject("user_id"), rs.getString("routing_number"), rs.getString("last4"),
                rs.getString("holder_name"), rs.getString("bank_name"), rs.getString("status"), rs.getTimestamp("created_at").toInstant());
    }

    private static ProblemException invalid(String detail) {
        return new ProblemException(ProblemCode.VALIDATION_FAILED, detail);
    }
}
