package org.openwallet.identity;

import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.openwallet.ledger.Ledger;
import org.openwallet.outbox.Outbox;
import org.openwallet.platform.Ids;
import org.openwallet.platform.database.Transactions;
import org.openwallet.platform.money.Currencies;
import org.openwallet.platform.web.ProblemCode;
import org.openwallet.platform.web.ProblemException;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/** Sign-up and login. A new user gets a wallet in the default currency in the same transaction. */
@Service
public class Identity {
    static final Pattern HANDLE = Pattern.compile("[a-z0-9_]{3,30}");
    static final int MIN_PASSWORD_LENGTH = 10;
    static final int MAX_PASSWORD_LENGTH = 128;
    static final int MAX_EMAIL_LENGTH = 254;
    /** No control characters (PostgreSQL refuses NUL in text) and no unpaired surrogates (stored as '?'). */
    private static final Pattern EMAIL =
            Pattern.compile("[^@\\s\\p{Cc}\\p{Cs}]+@[^@\\s\\p{Cc}\\p{Cs}]+\\.[^@\\s\\p{Cc}\\p{Cs}]+");

    private final JdbcClient jdbc;
    private final Transactions transactions;
    private final Ledger ledger;
    private final Currencies currencies;
    private final PasswordHasher passwords;
    private final Sessions sessions;
    private final ApplicationEventPublisher events;
    private final Outbox outbox;

    Identity(
            JdbcClient jdbc,
            Transactions transactions,
            Ledger ledger,
            Currencies currencies,
            PasswordHasher passwords,
            Sessions sessions,
            ApplicationEventPublisher events,
            Outbox outbox) {
        this.outbox = outbox;
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.ledger = ledger;
        this.currencies = currencies;
        this.passwords = passwords;
        this.sessions = sessions;
        this.events = events;
    }

    /**
     * Creates a user with a wallet.
     *
     * @throws ProblemException {@code validation_failed} for a bad handle, password or email; {@code handle_taken}
     */
    public UserSummary signUp(String handle, String password, String email) {
        requireValidSignUp(handle, password, email);
        String normalized = UserDirectory.normalizeHandle(handle);
        String hash = passwords.hash(password);
        UUID id = Ids.next();
        return transactions.run(() -> {
            int inserted = jdbc.sql(
                            "INSERT INTO users (id, handle, email, password_hash) VALUES (?, ?, ?, ?) ON CONFLICT (handle) DO NOTHING")
                    .params(id, normalized, email, hash)
                    .update();
            if (inserted == 0) {
                throw new ProblemException(ProblemCode.HANDLE_TAKEN, "The handle " + normalized + " is taken.");
            }
            ledger.openWallet(id, currencies.defaultCurrency().code());
            outbox.append(new Outbox.Event(
                    "user",
                    id.toString(),
                    id.toString(),
                    UserSignedUp.TYPE,
                    UserSignedUp.VERSION,
                    new UserSignedUp(id, normalized)));
            return new UserSummary(id, normalized, Visibility.DEFAULT.toString());
        });
    }

    /**
     * The checks of a sign-up that need nothing but the request, run before its rate limit so that a
     * malformed one is a 400 and costs no token.
     *
     * @throws ProblemException {@code validation_failed}
     */
    static void requireValidSignUp(String handle, String password, String email) {
        if (handle == null || !HANDLE.matcher(handle.toLowerCase(Locale.ROOT)).matches()) {
            throw new ProblemException(ProblemCode.VALIDATION_FAILED, "handle must be 3 to 30 of a-z, 0-9 and _.");
        }
        requireAcceptablePassword(password, "password");
        if (email != null
                && (email.length() > MAX_EMAIL_LENGTH || !EMAIL.matcher(email).matches())) {
            throw new ProblemException(ProblemCode.VALIDATION_FAILED, "email is not a valid address.");
        }
    }

    /**
     * The check of a login request before its rate limit: both fields present. Anything else (an
     * impossible handle, an over-long password) is answered as a wrong password, after the limit,
     * so that a login says nothing about which handles or passwords could exist.
     *
     * @throws ProblemException {@code validation_failed}
     */
    static void requireLoginFields(String handle, String password) {
        if (handle == null || handle.isEmpty() || password == null) {
            throw new ProblemException(ProblemCode.VALIDATION_FAILED, "handle and password are required.");
        }
    }

    /** The rules of a new password, for sign-up and password change ({@code field} names it in the problem). */
    static void requireAcceptablePassword(String password, String field) {
        if (password == null || password.length() < MIN_PASSWORD_LENGTH || password.length() > MAX_PASSWORD_LENGTH) {
            throw new ProblemException(
                    ProblemCode.VALIDATION_FAILED,
                    field + " must be " + MIN_PASSWORD_LENGTH + " to " + MAX_PASSWORD_LENGTH + " characters.");
        }
    }

    /**
     * A new session, with its first access and refresh tokens, for the right handle and password;
     * the same answer for a wrong password and an unknown handle. {@code device} is the User-Agent.
     */
    public Optional<AccessToken> logIn(String handle, String password, String ip, String device) {
        if (handle == null || password == null || password.length() > MAX_PASSWORD_LENGTH) {
            return Optional.empty();
        }
        // A string no handle can be (a NUL would even fail the query) belongs to nobody: answer
        // as for an unknown handle, taking as long.
        if (!HANDLE.matcher(UserDirectory.normalizeHandle(handle)).matches()) {
            passwords.spendTimeOfOneCheck(password);
            return Optional.empty();
        }
        Optional<Credentials> credentials = jdbc.sql("SELECT id, handle, password_hash FROM users WHERE handle = ?")
                .param(UserDirectory.normalizeHandle(handle))
                .query((rs, n) -> new Credentials((UUID) rs.getObject(1), rs.getString(2), rs.getString(3)))
                .optional();
        if (credentials.isEmpty()) {
            passwords.spendTimeOfOneCheck(password);
            return Optional.empty();
        }
        if (!passwords.matches(password, credentials.get().passwordHash())) {
            return Optional.empty();
        }
        Sessions.TokenPair tokens =
                sessions.open(credentials.get().id(), credentials.get().handle(), device, ip);
        events.publishEvent(new UserLoggedIn(credentials.get().id(), ip));
        return Optional.of(new AccessToken(
                tokens.accessToken(),
                tokens.expiresInSeconds(),
                tokens.refreshToken(),
                tokens.refreshExpiresInSeconds()));
    }

    /** A bearer token and its lifetime in seconds, and the refresh token of its session and that one's. */
    public record AccessToken(String value, long expiresInSeconds, String refreshToken, long refreshExpiresInSeconds) {}

    private record Credentials(UUID id, String handle, String passwordHash) {}
}
