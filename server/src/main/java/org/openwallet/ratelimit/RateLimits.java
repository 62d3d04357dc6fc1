package org.openwallet.ratelimit;

import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.openwallet.platform.ProblemCode;
import org.openwallet.platform.ProblemException;
import org.openwallet.platform.RedisUnavailableException;
import org.openwallet.ratelimit.RateLimiter.Limit;
import org.openwallet.ratelimit.RateLimiter.Outcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

/** The wallet's rate-limit policies, applied by the endpoints they protect. */
@Service
public class RateLimits {
    private static final Logger log = LoggerFactory.getLogger(RateLimits.class);
    /** Retry-After for a login refused because its limiter is unavailable. */
    static final long UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

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
     * Counts a payment request against the sender's and the IP's limits.
     *
     * @throws ProblemException 429 {@code rate_limited} over either limit
     */
    public void checkTransfer(UUID userId, String ip, HttpServletResponse response) {
        try {
            enforce(response, limiter.consume(transferPerUser, userId.toString()), limiter.consume(transferPerIp, ip));
        } catch (RedisUnavailableException unavailable) {
            // Fail open: the ledger still refuses overdrafts and duplicates, so only the limit is lost.
            unavailable("transfer", unavailable);
        }
    }

    /**
     * Checks a sign-up before its password is hashed: the IP's sign-ups, so that one client cannot
     * create accounts (and burn hashing time) without bound.
     *
     * @throws ProblemException 429 {@code rate_limited}; 503 {@code service_unavailable} when the limiter cannot be asked
     */
    public void checkSignUp(String ip, HttpServletResponse response) {
        try {
            enforce(response, limiter.consume(signUpPerIp, ip));
        } catch (RedisUnavailableException unavailable) {
            // Fail closed, as login does: a new account could not log in without the limiter anyway.
            throw pausedWithoutLimiter("signup", unavailable, response, "Sign-up is paused for a moment; retry shortly.");
        }
    }

    /**
     * Counts a withdrawal request against the user's limit. Fails open like payments: the weekly
     * limit and the velocity rule are enforced in the withdrawal's own transaction anyway.
     *
     * @throws ProblemException 429 {@code rate_limited}
     */
    public void checkWithdrawal(UUID userId, HttpServletResponse response) {
        try {
            enforce(response, limiter.consume(withdrawalPerUser, userId.toString()));
        } catch (RedisUnavailableException unavailable) {
            unavailable("withdrawal", unavailable);
        }
    }

    /**
     * Counts a bank account link against the user's limit: each link makes the bank send
     * micro-deposits (the operator's money) and opens new verification attempts, so it is bounded.
     * Fails closed: without the limiter, guessing micro-deposits by re-linking would be unbounded.
     *
     * @throws ProblemException 429 {@code rate_limited}; 503 {@code service_unavailable} when the limiter cannot be asked
     */
    public void checkBankLink(UUID userId, HttpServletResponse response) {
        try {
            enforce(response, limiter.consume(bankLinkPerUser, userId.toString()));
        } catch (RedisUnavailableException unavailable) {
            throw pausedWithoutLimiter("bank-link", unavailable, response, "Linking bank accounts is paused for a moment; retry shortly.");
        }
    }

    /**
     * Checks a login attempt before the password is looked at: the IP's attempts, and the recent
     * failures of this handle from this IP, which lock that pair only. Then, when the handle has
     * failed recently from anywhere, the attempt is held for a short delay that grows with those
     * failures up to {@code wallet.rate-limits.login-max-delay}: a handle under attack from many IPs
     * slows every guess, but its owner, logging in from an IP of their own, is never refused, so
     * nobody can lock a victim out by failing on purpose.
     *
     * @throws ProblemException 429 {@code rate_limited}; 503 {@code service_unavailable} when the limiter cannot be asked
     */
    public void checkLogin(String handle, String ip, HttpServletResponse response) {
        Outcome handleFailures;
        try {
            enforce(response, limiter.consume(loginPerIp, ip), limiter.peek(loginFailuresPerHandleAndIp, handleAndIp(handle, ip)));
            handleFailures = limiter.peek(loginFailuresPerHandle, handle);
        } catch (RedisUnavailableException unavailable) {
            // Fail closed: without a limiter, login would allow unlimited password guessing.
            throw pausedWithoutLimiter("login", unavailable, response, "Login is paused for a moment; retry shortly.");
        }
        pause(loginDelay(handleFailures));
    }

    /** Records a failed login against the handle from this IP, and against the handle. */
    public void loginFailed(String handle, String ip) {
        try {
            limiter.penalize(loginFailuresPerHandleAndIp, handleAndIp(handle, ip));
            limiter.penalize(loginFailuresPerHandle, handle);
        } catch (RedisUnavailableException unavailable) {
            unavailable("login", unavailable);
        }
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

    private ProblemException pausedWithoutLimiter(String endpoint, RedisUnavailableException cause, HttpServletResponse response, String detail) {
        unavailable(endpoint, cause);
        response.setHeader("Retry-After", Long.toString(UNAVAILABLE_RETRY_AFTER_SECONDS));
        return new ProblemException(ProblemCode.SERVICE_UNAVAILABLE, detail);
    }

    private void enforce(HttpServletResponse response, Outcome... outcomes) {
        // Report the tightest limit: the one with the fewest requests left, as the RateLimit draft suggests.
        Outcome tightest = Stream.of(outcomes).min(Comparator.comparingLong(Outcome::remaining)).orElseThrow();
        response.setHeader("RateLimit-Limit", Integer.toString(tightest.limit().capacity()));
        response.setHeader("RateLimit-Remaining", Long.toString(tightest.remaining()));
        response.setHeader("RateLimit-Reset", Long.toString(tightest.resetSeconds()));
        Optional<Outcome> refused = Stream.of(outcomes).filter(outcome -> !outcome.allowed())
                .max(Comparator.comparingLong(Outcome::retryAfterSeconds));
        if (refused.isPresent()) {
            meters.counter("wallet.ratelimit.rejections", "limit", refused.get().limit().name()).increment();
            response.setHeader("Retry-After", Long.toString(Math.max(1, refused.get().retryAfterSeconds())));
            throw new ProblemException(ProblemCode.RATE_LIMITED,
                    "Too many requests (" + refused.get().limit().name() + "); retry after " + Math.max(1, refused.get().retryAfterSeconds()) + " s.");
        }
    }

    private void unavailable(String endpoint, RedisUnavailableException cause) {
        meters.counter("wallet.ratelimit.unavailable", "endpoint", endpoint).increment();
        log.debug("Rate limiter unavailable for {}: {}", endpoint, cause.getMessage());
    }

    private static Limit limit(Map<String, RateLimitProperties.Setting> limits, String name) {
        RateLimitProperties.Setting setting = limits.get(name);
        if (setting == null) {
            throw new IllegalStateException("wallet.rate-limits.limits." + name + " is not configured (have " + List.copyOf(limits.keySet()) + ")");
        }
        return new Limit(name, setting.capacity(), setting.period());
    }
}
