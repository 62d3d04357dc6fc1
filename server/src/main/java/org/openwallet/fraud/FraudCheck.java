package org.openwallet.fraud;

import io.lettuce.core.ScriptOutputType;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.annotation.PreDestroy;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.openwallet.ledger.Ledger;
import org.openwallet.platform.Ids;
import org.openwallet.platform.database.DeferredWrites;
import org.openwallet.platform.database.Transactions;
import org.openwallet.platform.money.Currencies;
import org.openwallet.platform.redis.Redis;
import org.openwallet.platform.redis.RedisUnavailableException;
import org.postgresql.jdbc.PgStatement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import tools.jackson.databind.json.JsonMapper;

/**
 * Decides, within a latency budget, whether a payment may go ahead. Runs outside the payment's
 * database transaction: its reads are short, and its one Redis call is bounded by the Redis timeout.
 *
 * <p>Only the soft heuristics (velocity, a large amount to a new recipient or from a new IP) fall
 * back to the {@code on-timeout} default when the budget runs out. The hard rules ({@link HardRules}:
 * blocked recipient, blocked IP range, frozen sender or recipient) are checked again for every
 * payment in its ledger transaction, whatever happened here.
 *
 * <p>An evaluation that misses the budget must not go on holding what it took: its database reads
 * run under a statement timeout of what is left of the budget (so PostgreSQL cancels a stalled read
 * at the deadline and the connection goes back to the pool), it does not start the Redis call once
 * the deadline has passed, and a velocity reservation that lands after the caller gave up is
 * released. At most {@code max-in-flight} evaluations run at once, late ones included; past that the
 * soft rules are skipped at once, per the {@code on-timeout} default.
 */
@Service
public class FraudCheck {
    private static final Logger log = LoggerFactory.getLogger(FraudCheck.class);
    public static final String VELOCITY_EXCEEDED = "velocity_exceeded";
    public static final String WEEKLY_LIMIT_EXCEEDED = "weekly_limit_exceeded";
    public static final String IP_BLOCKED = "ip_blocked";
    public static final String NEW_IP_LARGE_AMOUNT = "new_ip_large_amount";
    public static final String NEW_RECIPIENT_LARGE_AMOUNT = "new_recipient_large_amount";
    public static final String RECIPIENT_BLOCKED = "recipient_blocked";
    static final String TIMEOUT = "timeout";
    /** A note: the soft rules were skipped because {@code max-in-flight} evaluations were already running. */
    static final String OVERLOADED = "overloaded";

    static final String VELOCITY_UNCHECKED = "velocity_unchecked";
    /** SQLSTATE query_canceled: here, the statement timeout that ends a read at the deadline. */
    private static final String QUERY_CANCELED = "57014";

    /**
     * A sliding window per sender in a sorted set: members are {@code <decision id>:<amount>} scored
     * by time. The check and the reservation of this payment are one atomic step, so parallel
     * requests cannot all slip under the limit; a payment that then fails is released again.
     */
    private static final Redis.Script VELOCITY = Redis.Script.of("""
            local time = redis.call('TIME')
            local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
            local window = tonumber(ARGV[1])
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
            local members = redis.call('ZRANGE', KEYS[1], 0, -1)
            local total = 0
            for _, member in ipairs(members) do
              total = total + tonumber(string.match(member, ':(%d+)$'))
            end
            if #members + 1 > tonumber(ARGV[2]) or total + tonumber(ARGV[4]) > tonumber(ARGV[3]) then
              return 0
            end
            redis.call('ZADD', KEYS[1], now, ARGV[5])
            redis.call('PEXPIRE', KEYS[1], window)
            return 1
            """);

    private final FraudProperties properties;
    private final JdbcClient jdbc;
    private final JdbcTemplate jdbcTemplate;
    private final DeferredWrites deferred;
    private final Redis redis;
    private final Ledger ledger;
    private final JsonMapper json;
    private final MeterRegistry meters;
    private final HardRules hardRules;
    private final Transactions transactions;
    private final Semaphore inFlight;
    private final Counter overloaded;
    /** Per currency code, in its minor units: every supported currency has an entry (checked at startup). */
    private final Map<String, Limits> limits;

    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final Timer latency;

    FraudCheck(
            FraudProperties properties,
            JdbcClient jdbc,
            DeferredWrites deferred,
            Redis redis,
            Ledger ledger,
            Currencies currencies,
            JsonMapper json,
            MeterRegistry meters,
            HardRules hardRules,
            Transactions transactions,
            JdbcTemplate jdbcTemplate) {
        this.properties = properties;
        this.jdbcTemplate = jdbcTemplate;
        this.jdbc = jdbc;
        this.deferred = deferred;
        this.redis = redis;
        this.ledger = ledger;
        this.json = json;
        this.meters = meters;
        this.hardRules = hardRules;
        this.transactions = transactions;
        this.inFlight = new Semaphore(properties.maxInFlight());
        this.overloaded = Counter.builder("wallet.fraud.overloaded")
                .description(
                        "Fraud checks whose soft rules were skipped because max-in-flight evaluations were running")
                .register(meters);
        Gauge.builder(
                        "wallet.fraud.in_flight",
                        inFlight,
                        permits -> properties.maxInFlight() - permits.availablePermits())
                .description("Fraud evaluations running, late ones included")
                .register(meters);
        this.limits = currencies.requiredPerCurrency(
                "wallet.fraud.limits",
                properties.limits(),
                (currency, amounts) -> new Limits(
                        currency.parseSetting("velocity-max-amount", amounts.velocityMaxAmount()),
                        currency.parseSetting("weekly-limit-unverified", amounts.weeklyLimitUnverified()),
                        currency.parseSetting("weekly-limit-verified", amounts.weeklyLimitVerified()),
                        currency.parseSetting("new-recipient-large-amount", amounts.newRecipientLargeAmount()),
                        currency.parseSetting("new-ip-large-amount", amounts.newIpLargeAmount())));
        this.latency = Timer.builder("wallet.fraud.latency")
                .description("Time to a fraud decision")
                .publishPercentiles(0.5, 0.99)
                .register(meters);
    }

    /**
     * The decision for {@code request}; the configured default when the soft rules take longer than
     * the budget, or when {@code max-in-flight} evaluations are already running.
     */
    public FraudDecision assess(FraudRequest request) {
        UUID id = Ids.next();
        long started = System.nanoTime();
        long deadline = started + properties.budget().toNanos();
        FraudDecision decision;
        if (inFlight.tryAcquire()) {
            decision = decideWithin(id, request, started, deadline);
        } else {
            overloaded.increment();
            decision = fallback(id, request, started, List.of(TIMEOUT, OVERLOADED));
        }
        latency.record(decision.latencyMicros(), TimeUnit.MICROSECONDS);
        return decision;
    }

    private FraudDecision decideWithin(UUID id, FraudRequest request, long started, long deadline) {
        CompletableFuture<Optional<FraudDecision>> evaluation;
        try {
            evaluation = CompletableFuture.supplyAsync(() -> evaluate(id, request, started, deadline), executor);
        } catch (RuntimeException rejected) {
            inFlight.release();
            throw rejected;
        }
        // The permit is given back when the evaluation ends, not when its caller stops waiting: that
        // is what bounds the evaluations still running in the background after their deadline.
        evaluation.whenComplete((result, failure) -> inFlight.release());
        try {
            return evaluation
                    .get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)
                    .orElseGet(() -> fallback(id, request, started, List.of(TIMEOUT)));
        } catch (TimeoutException late) {
            // Whatever a late evaluation still reserves is given back as soon as it ends.
            evaluation.thenAccept(result -> result.ifPresent(this::release));
            return fallback(id, request, started, List.of(TIMEOUT));
        } catch (ExecutionException failed) {
            throw new IllegalStateException("fraud rules failed", failed.getCause());
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during the fraud check", interrupted);
        }
    }

    /** The {@code on-timeout} default: the soft rules did not decide; the hard ones are the ledger's. */
    private FraudDecision fallback(UUID id, FraudRequest request, long started, List<String> notes) {
        boolean allow = properties.onTimeout().equals("allow");
        return new FraudDecision(
                id,
                allow,
                allow ? List.of() : List.of(TIMEOUT),
                true,
                weeklyLimitMinor(request),
                micros(started),
                notes,
                null,
                null);
    }

    /** Gives back what an allowed decision reserved, for a payment that did not go through. */
    public void release(FraudDecision decision) {
        if (decision.velocityMember() == null) {
            return;
        }
        try {
            redis.call(commands -> commands.zrem(decision.velocityKey(), decision.velocityMember()));
        } catch (RedisUnavailableException unavailable) {
            // The reservation ages out of the window by itself.
        }
    }

    /**
     * Appends the decision to the decision log; call inside the payment's transaction so that exactly
     * the decisions of requests that ran are recorded. {@code ledgerDeclineReason} overrides the
     * decision when the ledger declined (the weekly limit, or a hard rule: {@link HardRules}).
     */
    public void record(FraudDecision decision, FraudRequest request, String ledgerDeclineReason) {
        boolean allowed = decision.allowed() && ledgerDeclineReason == null;
        List<String> reasons = ledgerDeclineReason == null ? decision.reasons() : List.of(ledgerDeclineReason);
        meters.counter(
                        "wallet.fraud.decisions",
                        "decision",
                        allowed ? "allow" : "decline",
                        "reason",
                        allowed ? (decision.timedOut() ? TIMEOUT : "none") : reasons.get(0))
                .increment();
        // One statement (in a batch, queued with the others): the decision, and for an allowed payment its IP as known.
        // This is the only way an IP becomes known: a payment from it that passed every rule. A login
        // alone proves only the password, which a phished or stuffed account's attacker has too.
        deferred.insert(
                """
                WITH decision AS (
                    INSERT INTO fraud_decisions (id, sender_id, recipient_id, amount_minor, currency, ip, decision, reasons, notes,
                                                 timed_out, latency_micros, weekly_limit_minor)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?, ?))
                INSERT INTO fraud_known_ips (user_id, ip) SELECT ?, ? WHERE ? ON CONFLICT DO NOTHING
                """,
                decision.id(),
                request.senderId(),
                request.recipientId(),
                request.amountMinor(),
                request.currency(),
                request.ip(),
                allowed ? "allow" : "decline",
                json.writeValueAsString(reasons),
                json.writeValueAsString(decision.notes()),
                decision.timedOut(),
                decision.latencyMicros(),
                decision.weeklyLimitMinor(),
                request.senderId(),
                request.ip(),
                allowed);
    }

    /** The rules' decision, or empty when the budget ran out first (the caller then applies the default). */
    private Optional<FraudDecision> evaluate(UUID id, FraudRequest request, long started, long deadline) {
        Optional<Facts> read;
        try {
            read = read(request, deadline);
        } catch (RuntimeException failed) {
            if (QUERY_CANCELED.equals(Transactions.sqlState(failed))) {
                return Optional.empty();
            }
            throw failed;
        }
        if (read.isEmpty()) {
            return Optional.empty();
        }
        Facts facts = read.get();
        List<String> reasons =
                new ArrayList<>(facts.hard().refusals(request.senderId(), request.recipientId(), request.ip()));
        List<String> notes = new ArrayList<>();
        Limits limits = limitsOf(request);
        if (request.amountMinor() >= limits.newIpLargeAmountMinor() && !facts.ipKnown()) {
            reasons.add(NEW_IP_LARGE_AMOUNT);
        }
        if (request.amountMinor() >= limits.newRecipientLargeAmountMinor() && !facts.paidBefore()) {
            reasons.add(NEW_RECIPIENT_LARGE_AMOUNT);
        }
        String velocityMember = null;
        if (reasons.isEmpty()) {
            if (System.nanoTime() - deadline >= 0) {
                // Nobody waits for this decision any more: reserve nothing that would have to be given back.
                return Optional.empty();
            }
            String member = id + ":" + request.amountMinor();
            try {
                Long reserved = redis.eval(
                        VELOCITY,
                        ScriptOutputType.INTEGER,
                        new String[] {velocityKey(request)},
                        Long.toString(properties.velocityWindow().toMillis()),
                        Integer.toString(properties.velocityMaxCount()),
                        Long.toString(limits.velocityMaxAmountMinor()),
                        Long.toString(request.amountMinor()),
                        member);
                if (reserved == 1) {
                    velocityMember = member;
                } else {
                    reasons.add(VELOCITY_EXCEEDED);
                }
            } catch (RedisUnavailableException unavailable) {
                // Velocity fails open: every other rule, and the weekly limit in the ledger, still hold.
                notes.add(VELOCITY_UNCHECKED);
                log.debug("Velocity unchecked for {}: {}", request.senderId(), unavailable.getMessage());
            }
        }
        return Optional.of(new FraudDecision(
                id,
                reasons.isEmpty(),
                List.copyOf(reasons),
                false,
                limits.weeklyLimitMinor(facts.tier()),
                micros(started),
                List.copyOf(notes),
                velocityMember == null ? null : velocityKey(request),
                velocityMember));
    }

    /** The sender's tier and known IP, and the hard-rule facts of both parties: one round trip. */
    private static final String FACTS = """
            SELECT coalesce((SELECT tier FROM fraud_profiles WHERE user_id = ?), 'unverified'),
                   EXISTS (SELECT 1 FROM fraud_known_ips WHERE user_id = ? AND ip = ?),
                   EXISTS (SELECT 1 FROM fraud_freezes WHERE user_id = ?),
                   EXISTS (SELECT 1 FROM fraud_freezes WHERE user_id = ?),
                   EXISTS (SELECT 1 FROM fraud_blocked_recipients WHERE user_id = ?)
            """;

    /**
     * The rules' database reads, each allowed only what is left of the budget; empty when nothing is
     * left (a connection obtained late is given back at once). The facts are one statement with a
     * millisecond query timeout (JDBC's own is in whole seconds): no extra round trip on the way of
     * every payment. The new-recipient check, only for large amounts, is a ledger query: it runs in a
     * transaction whose statement timeout is set first.
     */
    private Optional<Facts> read(FraudRequest request, long deadline) {
        if (deadline - System.nanoTime() <= 0) {
            return Optional.empty();
        }
        Facts facts = jdbcTemplate.query(
                connection -> {
                    var statement = connection.prepareStatement(FACTS);
                    long remainingMillis = remainingMillis(deadline);
                    if (remainingMillis <= 0) {
                        statement.close();
                        throw new java.sql.SQLException("the fraud budget ran out before the read", QUERY_CANCELED);
                    }
                    statement.unwrap(PgStatement.class).setQueryTimeoutMs(remainingMillis);
                    statement.setObject(1, request.senderId());
                    statement.setObject(2, request.senderId());
                    statement.setString(3, request.ip());
                    statement.setObject(4, request.senderId());
                    statement.setObject(5, request.recipientId());
                    statement.setObject(6, request.recipientId());
                    return statement;
                },
                rs -> {
                    rs.next();
                    Set<UUID> frozen = new HashSet<>();
                    if (rs.getBoolean(3)) {
                        frozen.add(request.senderId());
                    }
                    if (rs.getBoolean(4)) {
                        frozen.add(request.recipientId());
                    }
                    Set<UUID> blocked = rs.getBoolean(5) ? Set.of(request.recipientId()) : Set.of();
                    return new Facts(rs.getString(1), rs.getBoolean(2), true, hardRules.facts(frozen, blocked));
                });
        if (request.amountMinor() >= limitsOf(request).newRecipientLargeAmountMinor()) {
            Optional<Boolean> paidBefore = transactions.run(() -> limitStatementsTo(deadline)
                    ? Optional.of(ledger.hasPaid(request.senderId(), request.recipientId(), request.currency()))
                    : Optional.<Boolean>empty());
            if (paidBefore.isEmpty()) {
                return Optional.empty();
            }
            facts = facts.withPaidBefore(paidBefore.get());
        }
        return Optional.of(facts);
    }

    /** What is left until {@code deadline}, rounded up to the millisecond (so a stalled read ends just after the caller stopped waiting, not before); 0 when it has passed. */
    private static long remainingMillis(long deadline) {
        long remainingNanos = deadline - System.nanoTime();
        return remainingNanos <= 0 ? 0 : (remainingNanos + 999_999) / 1_000_000;
    }

    /** Sets the transaction's statement timeout to what is left until {@code deadline}; false when it has passed. */
    private boolean limitStatementsTo(long deadline) {
        long remainingMillis = remainingMillis(deadline);
        if (remainingMillis <= 0) {
            return false;
        }
        jdbc.sql("SELECT set_config('statement_timeout', ?, true)")
                .param(Long.toString(remainingMillis))
                .query(String.class)
                .single();
        return true;
    }

    private long weeklyLimitMinor(FraudRequest request) {
        String tier = jdbc.sql("SELECT tier FROM fraud_profiles WHERE user_id = ?")
                .param(request.senderId())
                .query(String.class)
                .optional()
                .orElse("unverified");
        return limitsOf(request).weeklyLimitMinor(tier);
    }

    /** The limits of the payment's currency; the transfer validated it, so a currency without limits is a bug. */
    private Limits limitsOf(FraudRequest request) {
        Limits found = limits.get(request.currency());
        if (found == null) {
            throw new IllegalStateException(
                    "no fraud limits for " + request.currency() + ", which is not a supported currency");
        }
        return found;
    }

    @PreDestroy
    void stop() {
        executor.close();
    }

    /** The weekly window the ledger enforces the limit over. */
    public java.time.Duration weeklyWindow() {
        return properties.weeklyWindow();
    }

    /**
     * The sender's velocity window in the payment's currency: amounts of different currencies are
     * not summed, each is held to its own currency's limit. The hash tag keeps a sender's keys on one
     * Redis Cluster slot.
     */
    private static String velocityKey(FraudRequest request) {
        return "velocity:{" + request.senderId() + "}:" + request.currency();
    }

    /** One currency's amount limits in its minor units. */
    private record Limits(
            long velocityMaxAmountMinor,
            long weeklyLimitUnverifiedMinor,
            long weeklyLimitVerifiedMinor,
            long newRecipientLargeAmountMinor,
            long newIpLargeAmountMinor) {
        long weeklyLimitMinor(String tier) {
            return tier.equals("verified") ? weeklyLimitVerifiedMinor : weeklyLimitUnverifiedMinor;
        }
    }

    private static long micros(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1_000;
    }

    private record Facts(String tier, boolean ipKnown, boolean paidBefore, HardRules.Facts hard) {
        Facts withPaidBefore(boolean paid) {
            return new Facts(tier, ipKnown, paid, hard);
        }
    }
}
