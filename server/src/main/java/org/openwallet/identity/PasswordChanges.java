package org.openwallet.identity;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.openwallet.platform.database.Transactions;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/**
 * A user changes their password, proving the old one: someone holding only a stolen access token
 * cannot. Every other session of the user ends with it (whoever else knew the old password is
 * logged out); the session that changed it goes on.
 */
@Service
class PasswordChanges {
    private final JdbcClient jdbc;
    private final Transactions transactions;
    private final PasswordHasher passwords;
    private final Sessions sessions;

    PasswordChanges(JdbcClient jdbc, Transactions transactions, PasswordHasher passwords, Sessions sessions) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.passwords = passwords;
        this.sessions = sessions;
    }

    enum Outcome {
        CHANGED,
        WRONG_PASSWORD
    }

    /**
     * Changes the password if {@code oldPassword} is the current one.
     *
     * @throws org.openwallet.platform.web.ProblemException {@code validation_failed} when the new password breaks the sign-up rules
     */
    Outcome change(AuthenticatedUser user, String oldPassword, String newPassword) {
        Identity.requireAcceptablePassword(newPassword, "new_password");
        if (oldPassword == null || oldPassword.length() > Identity.MAX_PASSWORD_LENGTH) {
            return Outcome.WRONG_PASSWORD;
        }
        Optional<String> stored = jdbc.sql("SELECT password_hash FROM users WHERE id = ?")
                .param(user.userId())
                .query(String.class)
                .optional();
        if (stored.isEmpty() || !passwords.matches(oldPassword, stored.get())) {
            return Outcome.WRONG_PASSWORD;
        }
        // Hashed before the transaction: Argon2 takes tens of milliseconds and needs no connection.
        String newHash = passwords.hash(newPassword);
        Optional<List<UUID>> ended = transactions.run(() -> {
            // Only over the hash the old password was checked against: of two changes at once, the second
            // proved a password that is no longer the user's.
            int updated = jdbc.sql("UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?")
                    .params(newHash, user.userId(), stored.get())
                    .update();
            return updated == 0
                    ? Optional.<List<UUID>>empty()
                    : Optional.of(
                            sessions.endAllBut(user.userId(), user.sessionId(), Sessions.Reason.PASSWORD_CHANGED));
        });
        if (ended.isEmpty()) {
            return Outcome.WRONG_PASSWORD;
        }
        sessions.ended(ended.get());
        return Outcome.CHANGED;
    }
}
