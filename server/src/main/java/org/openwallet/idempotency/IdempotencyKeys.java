package org.openwallet.idempotency;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.openwallet.platform.database.DeferredWrites;
import org.openwallet.platform.web.ProblemCode;
import org.openwallet.platform.web.ProblemException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Claims and records Idempotency-Keys inside the caller's ledger transaction.
 *
 * <p>A request in flight is marked by a transaction-scoped advisory lock on a 64-bit hash of
 * (user, operation, key), not by a row: the lock disappears with the transaction whether it
 * commits, rolls back or the process dies, so a crash can never leave a key stuck "in progress".
 * Two different keys hashing alike would only make one of them answer 409 briefly; with 64 bits
 * that is practically never.
 */
@Service
public class IdempotencyKeys {
    static final int MAX_KEY_LENGTH = 255;

    private final JdbcClient jdbc;
    private final DeferredWrites deferred;

    public IdempotencyKeys(JdbcClient jdbc, DeferredWrites deferred) {
        this.jdbc = jdbc;
        this.deferred = deferred;
    }

    /** A response as it was first sent. */
    public record StoredResponse(int status, byte[] body) {}

    /** What to do with a request carrying an Idempotency-Key. */
    public sealed interface Claim {
        /** The key is new: do the work, then {@link #complete} in the same transaction. */
        record Proceed() implements Claim {}

        /** The first request with this key is still running. */
        record InProgress() implements Claim {}

        /** The key was used with a different request body. */
        record Reused() implements Claim {}

        /** The same request finished before: send its response again. */
        record Replay(StoredResponse response) implements Claim {}
    }

    /**
     * Validates the header value: 1–255 printable ASCII characters.
     *
     * @throws ProblemException 400 {@code idempotency_key_missing} or {@code idempotency_key_invalid}
     */
    public static String requireValid(String header) {
        if (header == null || header.isEmpty()) {
            throw new ProblemException(
                    ProblemCode.IDEMPOTENCY_KEY_MISSING,
                    "Send a unique Idempotency-Key header with every payment request.");
        }
        if (header.length() > MAX_KEY_LENGTH || !header.chars().allMatch(c -> c >= 0x20 && c <= 0x7E)) {
            throw new ProblemException(
                    ProblemCode.IDEMPOTENCY_KEY_INVALID,
                    "Idempotency-Key must be 1 to 255 printable ASCII characters.");
        }
        return header;
    }

    /** SHA-256 of the request's canonical form: equal requests, however formatted, have equal fingerprints. */
    public static byte[] fingerprint(String canonicalRequest) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(canonicalRequest.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    /** Claims {@code key} for this transaction, or says why the request must not run. */
    public Claim claim(UUID userId, String operation, String key, byte[] fingerprint) {
        return claimAll(operation, List.of(new KeyRequest(userId, key, fingerprint)))
                .get(0);
    }

    /** One request's key, for {@link #claimAll}. */
    public record KeyRequest(UUID userId, String key, byte[] fingerprint) {}

    /**
     * Claims the keys of several requests of one operation for this transaction in two statements,
     * however many there are; the answers are in the order of {@code requests}. A key must not
     * appear twice: claim a repeat on its own after the first has been completed.
     */
    public List<Claim> claimAll(String operation, List<KeyRequest> requests) {
        if (!TransactionSynchronizationManager.isActualTransactionActive()) {
            throw new IllegalStateException("claim must run inside Transactions.run");
        }
        // A key's first use in this transaction may have its record queued: it must be seen.
        deferred.flush();
        List<Boolean> locked = jdbc.sql("""
                        SELECT pg_try_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest(?::text[]) WITH ORDINALITY AS u(k, n) ORDER BY n
                        """)
                .param(requests.stream()
                        .map(request -> request.userId() + "\n" + operation + "\n" + request.key())
                        .toArray(String[]::new))
                .query(Boolean.class)
                .list();
        // A separate statement, after the locks: at READ COMMITTED it takes a fresh snapshot, so it
        // sees the record of a request that committed just before we got the lock. Reading in
        // the same statement as the lock could miss it and move the money a second time.
        Map<String, Claim> done = new HashMap<>();
        Map<String, byte[]> fingerprints = new HashMap<>();
        requests.forEach(request -> fingerprints.put(request.userId() + "\n" + request.key(), request.fingerprint()));
        jdbc.sql("""
                        SELECT r.user_id, r.idempotency_key, r.fingerprint, r.response_status, r.response_body
                          FROM idempotency_records r JOIN unnest(?::uuid[], ?::text[]) AS k(user_id, idempotency_key)
                            ON r.user_id = k.user_id AND r.idempotency_key = k.idempotency_key
                         WHERE r.operation = ?
                        """)
                .params(
                        requests.stream().map(KeyRequest::userId).toArray(UUID[]::new),
                        requests.stream().map(KeyRequest::key).toArray(String[]::new),
                        operation)
                .query(rs -> {
                    String id = rs.getObject(1) + "\n" + rs.getString(2);
                    done.put(
                            id,
                            Arrays.equals(rs.getBytes(3), fingerprints.get(id))
                                    ? new Claim.Replay(new StoredResponse(rs.getInt(4), rs.getBytes(5)))
                                    : new Claim.Reused());
                });
        List<Claim> claims = new ArrayList<>(requests.size());
        for (int i = 0; i < requests.size(); i++) {
            Claim earlier =
                    done.get(requests.get(i).userId() + "\n" + requests.get(i).key());
            claims.add(!locked.get(i) ? new Claim.InProgress() : earlier != null ? earlier : new Claim.Proceed());
        }
        return claims;
    }

    /**
     * The stored response of a finished request with this key and the same body, read without a
     * transaction or a lock (a record, once committed, never changes); empty for a key that is new,
     * still in flight, or used with a different body. Lets an endpoint answer a retry before
     * counting it against a rate limit.
     */
    public Optional<StoredResponse> finished(UUID userId, String operation, String key, byte[] fingerprint) {
        return jdbc.sql("""
                        SELECT response_status, response_body FROM idempotency_records
                         WHERE user_id = ? AND operation = ? AND idempotency_key = ? AND fingerprint = ?
                        """)
                .params(userId, operation, key, fingerprint)
                .query((rs, n) -> new StoredResponse(rs.getInt(1), rs.getBytes(2)))
                .optional();
    }

    /** Records the response of a request that ran after {@link Claim.Proceed}, in the same transaction. */
    public void complete(UUID userId, String operation, String key, byte[] fingerprint, StoredResponse response) {
        deferred.insert("""
                INSERT INTO idempotency_records (user_id, operation, idempotency_key, fingerprint, response_status, response_body)
                VALUES (?, ?, ?, ?, ?, ?)
                """, userId, operation, key, fingerprint, response.status(), response.body());
    }
}
