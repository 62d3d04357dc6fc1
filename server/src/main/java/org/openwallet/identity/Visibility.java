package org.openwallet.identity;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Optional;
import org.openwallet.platform.web.ProblemCode;
import org.openwallet.platform.web.ProblemException;

/**
 * Who may see a payment in feeds, from the most public to the most private: the declaration order
 * is the rule. A payment's visibility can only narrow (either party may make it more private, nobody
 * can widen it), so when two choices meet, the more private one wins ({@link #morePrivateOf}).
 *
 * <p>One type for the payment path, a party's narrowing, the feed's projection and the sender's
 * default in their settings, so the three cannot disagree on the values or their order. It lives in
 * {@code identity} because the default is a user setting and every module that needs it may already
 * use {@code identity}. On the wire, in the database and in events it is its lower-case name
 * ({@link #toString}).
 */
public enum Visibility {
    PUBLIC("public"),
    FRIENDS("friends"),
    PRIVATE("private");

    /** A new user's default, and so that of their payments that name none. */
    public static final Visibility DEFAULT = FRIENDS;

    private final String wire;

    Visibility(String wire) {
        this.wire = wire;
    }

    /** The value as the API, the database and the events spell it: {@code public}, {@code friends} or {@code private}. */
    @JsonValue
    @Override
    public String toString() {
        return wire;
    }

    /** The visibility spelled {@code wire} (exactly, case included), or empty when there is none such or it is null. */
    public static Optional<Visibility> fromWire(String wire) {
        for (Visibility visibility : values()) {
            if (visibility.wire.equals(wire)) {
                return Optional.of(visibility);
            }
        }
        return Optional.empty();
    }

    /**
     * The visibility a client sent in {@code field}.
     *
     * @throws ProblemException 400 {@code validation_failed} when it is null or not one of the three
     */
    public static Visibility parse(String field, String wire) {
        return fromWire(wire)
                .orElseThrow(() -> new ProblemException(
                        ProblemCode.VALIDATION_FAILED, field + " must be one of public, friends, private."));
    }

    /** Whether this shows a payment to fewer people than {@code other} does. */
    public boolean isMorePrivateThan(Visibility other) {
        return compareTo(other) > 0;
    }

    /** The more private of the two; null counts as no choice, so the other one wins (null if both are). */
    public static Visibility morePrivateOf(Visibility one, Visibility other) {
        if (one == null) {
            return other;
        }
        if (other == null) {
            return one;
        }
        return one.isMorePrivateThan(other) ? one : other;
    }
}
