package org.openwallet.fraud;

import java.util.List;
import java.util.UUID;

/**
 * The fraud check's answer for one payment request.
 *
 * @param reasons        why it was declined (empty when allowed); the first is the one the client sees
 * @param weeklyLimitMinor the sender's weekly sending limit, for the ledger to enforce under its lock
 * @param notes          what the check could not look at (e.g. {@code velocity_unchecked} while Redis is down)
 * @param velocityKey    with {@code velocityMember}: the reservation in the velocity window, released if the payment fails
 */
public record FraudDecision(
        UUID id,
        boolean allowed,
        List<String> reasons,
        boolean timedOut,
        long weeklyLimitMinor,
        long latencyMicros,
        List<String> notes,
        String velocityKey,
        String velocityMember) {

    public String reason() {
        return reasons.isEmpty() ? null : reasons.get(0);
    }
}
