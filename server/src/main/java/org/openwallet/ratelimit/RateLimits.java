package org.openwallet.ratelimit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.openwallet.platform.web.ProblemCode;
import org.openwallet.platform.web.ProblemException;
import org.openwallet.ratelimit.RateLimiter.Limit;
import org.openwallet.ratelimit.RateLimiter.Outcome;
import org.springframework.stereotype.Service;

/**
 * The wallet's rate-limit policies, applied by the endpoints they protect, after the request's own
 * cheap validation (a malformed request is a 400 and costs no token) and never to a request
 * answered by an idempotent replay. While Redis cannot be asked every limit is kept per node by
 * {@link RateLimiter}'s in-memory buckets: nothing fails open, and nothing fails because the cache did.
 */
@Service
public class RateLimits {
    private final RateLimiter limiter;
    private final MeterRegistry meters;
    private final Limit transferPerUser;
    private final Limit transferPerIp;
    private final Limit loginPerIp;
    private final Limit loginFailuresPerHandleAndIp;
    private final Limit loginFailuresPerHandle;
    private final Limit signUpPerIp;
    private final Duration loginDelayPerFailure;
    private final Duration loginMaxDelay;
    private final Limit withdrawalPerUser;
    private final Limit bankLinkPerUser;

    RateLimits(RateLimiter limiter, MeterRegistry meters, RateLimitProperties properties) {
        this.limiter = limiter;
        this.meters = meters;
        Map<String, RateLimitProperties.Setting> limits = properties.limits();
        this.transferPerUser = limit(limits, "transfer-per-user");
        this.transferPerIp = limit(limits, "transfer-per-ip");
        this.loginPerIp = limit(limits, "login-per-ip");
        this.loginFailuresPerHandleAndIp = limit(limits, "login-failures-per-handle-and-ip");
        this.loginFailuresPerHandle = limit(limits, "login-failures-per-handle");
        this.signUpPerIp = limit(limits, "signup-per-ip");
        this.loginDelayPerFailure = properties.loginDelayPerFailure();
        this.loginMaxDelay = properties.loginMaxDelay();
        this.withdrawalPerUser = limit(limits, "withdrawal-per-user");
        this.bankLinkPerUser = limit(limits, "bank-link-per-user");
    }

    /**
     * Checks a sign-up before its password is hashed: the IP's sign-ups, so that one client cannot
     * create accounts (and burn hashing time) without bound.
     *
     * @throws ProblemException 429 {@code rate_limited}
     */
    public void checkSignUp(String ip, HttpServletResponse response) {
        enforce(response, limiter.consume(signUpPerIp, ip));
    }

    /**
     * Counts a withdrawal request against the user's limit (the weekly limit and the velocity rule
     * are enforced in the withdrawal's own transaction as well).
     *
     * @throws ProblemException 429 {@code rate_limited}
     */
    public void checkWithdrawal(UUID userId, HttpServletResponse response) {
        enforce(response, limiter.consume(withdrawalPerUser, userId.toString()));
    }

    /**
     * Counts a bank account link against the user's limit: each link makes the bank send
     * micro-deposits (the operator's money) and opens new verification attempts, so it is bounded.
     *
     * @throws ProblemException 429 {@code rate_limited}
     */
    public void checkBankLink(UUID userId, HttpServletResponse response) {
        enforce(response, limiter.consume(bankLinkPerUser, userId.toString()));
    }

    /**
     * Checks a login attempt before the password is looked at: the IP's attempts, and the recent
     * failures of this handle from this IP, which lock that pair only. Then, when the handle has
     * failed recently from anywhere, the attempt is held for a short delay that grows with those
     * failures up to {@code wallet.rate-limits.login-max-delay}: a handle under attack from many IPs
     * slows every guess, but its owner, logging in from an IP of their own, is never refused, so
     * nobody can lock a victim out by failing on purpose.
     *
     * @throws ProblemException 429 {@code rate_limited}
     */
    public void checkLogin(String handle, String ip, HttpServletResponse response) {
        enforce(
                response,
                limiter.consume(loginPerIp, ip),
                limiter.peek(loginFailuresPerHandleAndIp, handleAndIp(handle, ip)));
        pause(loginDelay(limiter.peek(loginFailuresPerHandle, handle)));
    }

    /** Records a failed login against the handle from this IP, and against the handle. */
    public void loginFailed(String handle, String ip) {
        limiter.penalize(loginFailuresPerHandleAndIp, handleAndIp(handle, ip));
        limiter.penalize(loginFailuresPerHandle, handle);
    }

    /** The delay before a login of a handle with these recent failures: linear in them, bounded. */
    Duration loginDelay(Outcome handleFailures) {
        long failures = Math.max(0, handleFailures.limit().capacity() - handleFailures.remaining());
        Duration delay = loginDelayPerFailure.multipliedBy(failures);
        return delay.compareTo(loginMaxDelay) > 0 ? loginMaxDelay : delay;
    }

    private void pause(Duration delay) {
        if (delay.isZero()) {
            return;
        }
        meters.counter("wallet.ratelimit.login.delayed").increment();
        try {
            // A request thread is a virtual thread: sleeping holds no platform thread and no connection.
            Thread.sleep(delay);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** The subject of the bucket of one handle's failures from one IP. */
    private static String handleAndIp(String handle, String ip) {
        return handle + "|" + ip;
    }

    /**
     * A request a limit refused, not answered yet: an idempotent endpoint may still answer it with the
     * stored response of an earlier request with its key, and otherwise {@link #reject}s it.
     */
    public static final class Refusal {
        private final Outcome refused;
        private final Counter rejections;

        private Refusal(Outcome refused, Counter rejections) {
            this.refused = refused;
            this.rejections = rejections;
        }

        /** Counts the rejection, sets Retry-After, and returns the 429 {@code rate_limited} to throw. */
        public ProblemException reject(HttpServletResponse response) {
            long retryAfterSeconds = Math.max(1, refused.retryAfterSeconds());
            rejections.increment();
            response.setHeader("Retry-After", Long.toString(retryAfterSeconds));
            return new ProblemException(
                    ProblemCode.RATE_LIMITED,
                    "Too many requests (" + refused.limit().name() + "); retry after " + retryAfterSeconds + " s.");
        }
    }

    /**
     * Counts a payment request against the sender's and the IP's limits. A refusal is returned, not
     * thrown, so that a retry of a payment that finished can still be answered with its stored response.
     */
    public Optional<Refusal> admitTransfer(UUID userId, String ip, HttpServletResponse response) {
        return judge(response, limiter.consume(transferPerUser, userId.toString()), limiter.consume(transferPerIp, ip));
    }

    private void enforce(HttpServletResponse response, Outcome... outcomes) {
        Optional<Refusal> refusal = judge(response, outcomes);
        if (refusal.isPresent()) {
            throw refusal.get().reject(response);
        }
    }

    private Optional<Refusal> judge(HttpServletResponse response, Outcome... outcomes) {
        // Report the tightest limit: the one with the fewest requests left, as the RateLimit draft suggests.
        Outcome tightest = Stream.of(outcomes)
                .min(Comparator.comparingLong(Outcome::remaining))
                .orElseThrow();
        response.setHeader("RateLimit-Limit", Integer.toString(tightest.limit().capacity()));
        response.setHeader("RateLimit-Remaining", Long.toString(tightest.remaining()));
        response.setHeader("RateLimit-Reset", Long.toString(tightest.resetSeconds()));
        return Stream.of(outcomes)
                .filter(outcome -> !outcome.allowed())
                .max(Comparator.comparingLong(Outcome::retryAfterSeconds))
                .map(refused -> new Refusal(
                        refused,
                        meters.counter(
                                "wallet.ratelimit.rejections",
                                "limit",
                                refused.limit().name())));
    }

    private static Limit limit(Map<String, RateLimitProperties.Setting> limits, String name) {
        RateLimitProperties.Setting setting = limits.get(name);
        if (setting == null) {
            throw new IllegalStateException("wallet.rate-limits.limits." + name + " is not configured (have "
                    + List.copyOf(limits.keySet()) + ")");
        }
        return new Limit(name, setting.capacity(), setting.period());
    }
}
