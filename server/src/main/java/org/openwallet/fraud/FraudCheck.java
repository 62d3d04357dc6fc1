package org.openwallet.fraud;

import io.lettuce.core.ScriptOutputType;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.annotation.PreDestroy;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.openwallet.ledger.Ledger;
import org.openwallet.platform.Currencies;
import org.openwallet.platform.DeferredWrites;
import org.openwallet.platform.IpRanges;
import org.openwallet.platform.Ids;
import org.openwallet.platform.Redis;
import org.openwallet.platform.RedisUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import tools.jackson.databind.json.JsonMapper;

/**
 * Decides, within a latency budget, whether a payment may go ahead. Runs outside any database
 * transaction: its reads are short, and its one Redis call is bounded by the Redis timeout.
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
    static final String VELOCITY_UNCHECKED = "velocity_unchecked";

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
    private final DeferredWrites deferred;
    private final Redis redis;
    private final Ledger ledger;
    private final JsonMapper json;
    private final MeterRegistry meters;
    private final IpRanges blockedIps;
    private final long velocityMaxAmountMinor;
    private final long weeklyLimitUnverifiedMinor;
    private final long weeklyLimitVerifiedMinor;
    private final long newRecipientLargeAmountMinor;
    private final long newIpLargeAmountMinor;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final Timer latency;

    FraudCheck(FraudProperties properties, JdbcClient jdbc, DeferredWrites deferred, Redis redis, Ledger ledger, Currencies currencies, JsonMapper json, MeterRegistry meters) {
        this.properties = properties;
        this.jdbc = jdbc;
        this.deferred = deferred;
        this.redis = redis;
        this.ledger = ledger;
        this.json = json;
        this.meters = meters;
        this.blockedIps = new IpRanges("wallet.fraud.blocked-ips", properties.blockedIps());
        Currencies.Currency currency = currencies.defaultCurrency();
        this.velocityMaxAmountMinor = currency.parse(properties.velocityMaxAmount());
        this.weeklyLimitUnverifiedMinor = currency.parse(properties.weeklyLimitUnverified());
        this.weeklyLimitVerifiedMinor = currency.parse(properties.weeklyLimitVerified());
        this.newRecipientLargeAmountMinor = currency.parse(properties.newRecipientLargeAmount());
        this.newIpLargeAmountMinor = currency.parse(properties.newIpLargeAmount());
        this.latency = Timer.builder("wallet.fraud.latency").description("Time to a fraud decision").publishPercentiles(0.5, 0.99).register(meters);
    }

    /** The decision for {@code request}; the configured default when the rules take longer than the budget. */
    public FraudDecision assess(FraudRequest request) {
        UUID id = Ids.next();
        long started = System.nanoTime();
        CompletableFuture<FraudDecision> evaluation = CompletableFuture.supplyAsync(() -> evaluate(id, request, started), executor);
        FraudDecision decision;
        try {
            decision = evaluation.get(properties.budget().toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException late) {
            // The rules go on in the background; whatever they reserve is given back when they finish.
            evaluation.thenAccept(this::release);
            boolean allow = properties.onTimeout().equals("allow");
            decision = new FraudDecision(id, allow, allow ? List.of() : List.of(TIMEOUT), true,
                    weeklyLimitMinor(request.senderId()), micros(started), List.of(TIMEOUT), null, null);
        } catch (ExecutionException failed) {
            throw new IllegalStateException("fraud rules failed", failed.getCause());
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during the fraud check", interrupted);
        }
        latency.record(decision.latencyMicros(), TimeUnit.MICROSECONDS);
        return decision;
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
     * the decisions of requests that ran are recorded. {@code finalReason} overrides the decision
     * when the ledger declined (the weekly limit).
     */
    public void record(FraudDecision decision, FraudRequest request, String ledgerDeclineReason) {
        boolean allowed = decision.allowed() && ledgerDeclineReason == null;
        List<String> reasons = ledgerDeclineReason == null ? decision.reasons() : List.of(ledgerDeclineReason);
        meters.counter("wallet.fraud.decisions", "decision", allowed ? "allow" : "decline",
                "reason", allowed ? (decision.timedOut() ? TIMEOUT : "none") : reasons.get(0)).increment();
        // One statement (in a batch, queued with the others): the decision, and for an allowed payment its IP as known.
        // This is the only way an IP becomes known: a payment from it that passed every rule. A login
        // alone proves only the password, which a phished or stuffed account's attacker has too.
        deferred.insert("""
                WITH decision AS (
                    INSERT INTO fraud_decisions (id, sender_id, recipient_id, amount_minor, currency, ip, decision, reasons, notes,
                                                 timed_out, latency_micros, weekly_limit_minor)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?, ?))
                INSERT INTO fraud_known_ips (user_id, ip) SELECT ?, ? WHERE ? ON CONFLICT DO NOTHING
                """, decision.id(), request.senderId(), request.recipientId(), request.amountMinor(), request.currency(), request.ip(),
                allowed ? "allow" : "decline", json.writeValueAsString(reasons), json.writeValueAsString(decision.notes()),
                decision.timedOut(), decision.latencyMicros(), decision.weeklyLimitMinor(), request.senderId(), request.ip(), allowed);
    }

    private FraudDecision evaluate(UUID id, FraudRequest request, long started) {
        List<String> reasons = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        Facts facts = jdbc.sql("""
                SELECT coalesce((SELECT tier FROM fraud_profiles WHERE user_id = :sender), 'unverified'),
                       EXISTS (SELECT 1 FROM fraud_blocked_recipients WHERE user_id = :recipient),
                       EXISTS (SELECT 1 FROM fraud_known_ips WHERE user_id = :sender AND ip = :ip)
                """)
                .param("sender", request.senderId()).param("recipient", request.recipientId()).param("ip", request.ip())
                .query((rs, n) -> new Facts(rs.getString(1), rs.getBoolean(2), rs.getBoolean(3)))
                .single();
        if (blockedIps.contains(request.ip())) {
            reasons.add(IP_BLOCKED);
        }
        if (facts.recipientBlocked()) {
            reasons.add(RECIPIENT_BLOCKED);
        }
        if (request.amountMinor() >= newIpLargeAmountMinor && !facts.ipKnown()) {
            reasons.add(NEW_IP_LARGE_AMOUNT);
        }
        if (request.amountMinor() >= newRecipientLargeAmountMinor
                && !ledger.hasPaid(request.senderId(), request.recipientId(), request.currency())) {
            reasons.add(NEW_RECIPIENT_LARGE_AMOUNT);
        }
        String velocityMember = null;
        if (reasons.isEmpty()) {
            String member = id + ":" + request.amountMinor();
            try {
                Long reserved = redis.eval(VELOCITY, ScriptOutputType.INTEGER, new String[] {velocityKey(request.senderId())},
                        Long.toString(properties.velocityWindow().toMillis()), Integer.toString(properties.velocityMaxCount()),
                        Long.toString(velocityMaxAmountMinor), Long.toString(request.amountMinor()), member);
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
        long weeklyLimit = facts.tier().equals("verified") ? weeklyLimitVerifiedMinor : weeklyLimitUnverifiedMinor;
        return new FraudDecision(id, reasons.isEmpty(), List.copyOf(reasons), false, weeklyLimit, micros(started), List.copyOf(notes),
                velocityMember == null ? null : velocityKey(request.senderId()), velocityMember);
    }

    private long weeklyLimitMinor(UUID senderId) {
        String tier = jdbc.sql("SELECT tier FROM fraud_profiles WHERE user_id = ?").param(senderId).query(String.class).optional().orElse("unverified");
        return tier.equals("verified") ? weeklyLimitVerifiedMinor : weeklyLimitUnverifiedMinor;
    }

    @PreDestroy
    void stop() {
        executor.close();
    }

    /** The weekly window the ledger enforces the limit over. */
    public java.time.Duration weeklyWindow() {
        return properties.weeklyWindow();
    }

    private static String velocityKey(UUID senderId) {
        return "velocity:{" + senderId + "}";
    }

    private static long micros(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1_000;
    }

    private record Facts(String tier, boolean recipientBlocked, boolean ipKnown) {
    }
}
