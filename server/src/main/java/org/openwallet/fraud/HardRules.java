package org.openwallet.fraud;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.openwallet.platform.web.IpRanges;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The rules no latency budget may skip: a blocked recipient, a blocked IP range
 * ({@code wallet.fraud.blocked-ips}), a frozen sender or a frozen recipient.
 *
 * <p>They are checked for every payment in its ledger transaction, after the batch has locked the
 * wallets ({@link #read}: one indexed read for the whole batch, the IP list in memory), so a
 * payment whose fraud check ran out of time, or was skipped under load, is still refused. The
 * fraud check looks at the same facts when it has the time, so that its decision lists them with
 * the heuristics and reserves no velocity for a payment that will be refused; the ledger's check
 * is the one that cannot be skipped.
 */
@Component
public class HardRules {
    public static final String SENDER_FROZEN = "sender_frozen";
    public static final String RECIPIENT_FROZEN = "recipient_frozen";

    /**
     * Which of the users are frozen, which of the recipients blocked: two primary-key lookups in one
     * statement. Kept here, in one place, so that other rules read under the same lock stay apart.
     */
    private static final String FACTS = """
            SELECT user_id, 'frozen' FROM fraud_freezes WHERE user_id = ANY(?)
            UNION ALL
            SELECT user_id, 'blocked' FROM fraud_blocked_recipients WHERE user_id = ANY(?)
            """;

    private final JdbcClient jdbc;
    private final IpRanges blockedIps;

    HardRules(FraudProperties properties, JdbcClient jdbc) {
        this.jdbc = jdbc;
        this.blockedIps = new IpRanges("wallet.fraud.blocked-ips", properties.blockedIps());
    }

    /**
     * The hard-rule facts of a batch's senders and recipients. Call inside the payment's transaction,
     * once the wallets are locked: a freeze or block committed before this read applies.
     */
    public Facts read(Collection<UUID> senders, Collection<UUID> recipients) {
        Set<UUID> frozen = new HashSet<>();
        Set<UUID> blocked = new HashSet<>();
        UUID[] everyone = java.util.stream.Stream.concat(senders.stream(), recipients.stream())
                .distinct()
                .toArray(UUID[]::new);
        jdbc.sql(FACTS).params(everyone, recipients.toArray(UUID[]::new)).query(rs -> {
            (rs.getString(2).equals("frozen") ? frozen : blocked).add((UUID) rs.getObject(1));
        });
        return new Facts(frozen, blocked);
    }

    /** Facts read elsewhere (the fraud check folds them into its own read). */
    Facts facts(Set<UUID> frozen, Set<UUID> blockedRecipients) {
        return new Facts(frozen, blockedRecipients);
    }

    boolean ipBlocked(String ip) {
        return blockedIps.contains(ip);
    }

    /** Who is frozen and who may not be paid, among the users read. */
    public final class Facts {
        private final Set<UUID> frozen;
        private final Set<UUID> blockedRecipients;

        private Facts(Set<UUID> frozen, Set<UUID> blockedRecipients) {
            this.frozen = Set.copyOf(frozen);
            this.blockedRecipients = Set.copyOf(blockedRecipients);
        }

        /**
         * Every hard rule the payment breaks, the one to tell the client first: the sender's own
         * state, then where the payment comes from, then the recipient's.
         */
        public List<String> refusals(UUID senderId, UUID recipientId, String ip) {
            List<String> reasons = new ArrayList<>();
            if (frozen.contains(senderId)) {
                reasons.add(SENDER_FROZEN);
            }
            if (ipBlocked(ip)) {
                reasons.add(FraudCheck.IP_BLOCKED);
            }
            if (frozen.contains(recipientId)) {
                reasons.add(RECIPIENT_FROZEN);
            }
            if (blockedRecipients.contains(recipientId)) {
                reasons.add(FraudCheck.RECIPIENT_BLOCKED);
            }
            return List.copyOf(reasons);
        }

        /** The first hard rule the payment breaks, if any. */
        public Optional<String> refusal(UUID senderId, UUID recipientId, String ip) {
            return refusals(senderId, recipientId, ip).stream().findFirst();
        }
    }
}
