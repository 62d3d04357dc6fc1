package org.openwallet.platform;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Time-ordered identifiers (UUID version 7, RFC 9562).
 *
 * <p>Ids from one process are strictly increasing: within one millisecond the 12-bit
 * {@code rand_a} field is used as a counter (RFC 9562, method 1), so rows inserted in id order
 * stay in creation order and keyset pagination by id is stable.
 */
public final class Ids {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final ReentrantLock LOCK = new ReentrantLock();
    private static long lastMillis = -1;
    private static int counter;

    private Ids() {}

    public static UUID next() {
        return next(Clock.systemUTC());
    }

    static UUID next(Clock clock) {
        long millis;
        int sequence;
        LOCK.lock();
        try {
            millis = Math.max(clock.millis(), lastMillis);
            if (millis == lastMillis) {
                counter++;
                if (counter > 0xFFF) {
                    // The counter is spent for this millisecond: borrow the next one, which keeps order.
                    millis++;
                    counter = RANDOM.nextInt(0x400);
                }
            } else {
                counter = RANDOM.nextInt(0x400);
            }
            lastMillis = millis;
            sequence = counter;
        } finally {
            LOCK.unlock();
        }
        long mostSignificant = (millis << 16) | 0x7000L | sequence;
        long leastSignificant = (RANDOM.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(mostSignificant, leastSignificant);
    }
}
