package org.openwallet.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.openwallet.Api;
import org.openwallet.LedgerTestSupport;
import org.openwallet.WalletIntegrationTest;
import org.openwallet.ledger.LedgerVerifier;
import org.openwallet.platform.money.Money;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Many clients paying each other at once over HTTP: opposite directions between the same wallets
 * at the same moment, and overdraft attempts. Whatever the interleaving, no money appears or
 * disappears, no wallet goes negative, no client sees a server error (a deadlock or serialization
 * failure reaching the client would be a 5xx), and every 201 is exactly one balanced transfer.
 *
 * <p>The property is about interleavings, not volume: 16 threads released together on 8 wallets,
 * a quarter of them on two fixed pairs from both sides, race on the same rows from the first
 * request to the last. 150 payments a thread (2,400 in all) give every wallet hundreds of
 * contended debits and credits and run wallets dry, in seconds instead of the minutes that 32,000
 * payments took; the test also checks that the threads really were in flight together.
 */
class ConcurrentTransfersTest extends WalletIntegrationTest {
    private static final int USERS = 8;
    private static final int THREADS = 16;
    private static final int TRANSFERS_PER_THREAD = 150;
    /** 400.00 each: 3,200.00 in all, so an amount above 3,200.00 can never be covered by any one wallet. */
    private static final long FUNDING_MINOR = 40_000;

    private static final long TOTAL_MINOR = USERS * FUNDING_MINOR;
    /** The configured per-transfer maximum (10,000.00): overdraft attempts stay valid requests. */
    private static final long MAX_TRANSFER_MINOR = 1_000_000;

    private static final Duration OVERALL_TIMEOUT = Duration.ofMinutes(8);
    /** Payments on their way at once, and the most there were: proof that the threads raced. */
    private final AtomicInteger inFlight = new AtomicInteger();

    private final AtomicInteger mostInFlight = new AtomicInteger();

    @Autowired
    LedgerVerifier verifier;

    /** What one client sent and what it got back. */
    record Attempt(
            int from,
            int to,
            long amountMinor,
            boolean certainOverdraft,
            int status,
            String code,
            String body,
            UUID transferId,
            String error) {}

    @Test
    void
            sixteenThreadsOfRandomAndOppositeTransfers_conserveMoney_neverOverdraw_neverFail_andEveryCreatedTransferHasExactlyItsPostings()
                    throws Exception {
        List<Api.User> users = new ArrayList<>();
        for (int i = 0; i < USERS; i++) {
            Api.User user = api.newUser();
            LedgerTestSupport.fund(transactions, ledger, user.id(), FUNDING_MINOR);
            users.add(user);
        }
        List<UUID> wallets = users.stream()
                .map(u -> ledger.walletOf(u.id(), "USD").orElseThrow())
                .toList();
        assertThat(walletSum(wallets)).isEqualTo(TOTAL_MINOR);

        ConcurrentLinkedQueue<Attempt> attempts = new ConcurrentLinkedQueue<>();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService executor = Executors.newFixedThreadPool(THREADS);
        List<Future<?>> workers = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            workers.add(executor.submit(() -> {
                start.await();
                for (int i = 0; i < TRANSFERS_PER_THREAD; i++) {
                    mostInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                    try {
                        attempts.add(attempt(users, thread));
                    } finally {
                        inFlight.decrementAndGet();
                    }
                }
                return null;
            }));
        }
        long started = System.nanoTime();
        start.countDown();
        executor.shutdown();
        long deadline = started + OVERALL_TIMEOUT.toNanos();
        try {
            for (Future<?> worker : workers) {
                worker.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } catch (TimeoutException timeout) {
            executor.shutdownNow();
            fail("the transfers did not finish within " + OVERALL_TIMEOUT + "; " + attempts.size() + " done");
        } finally {
            executor.shutdownNow();
            assertThat(executor.awaitTermination(30, TimeUnit.SECONDS))
                    .as("client threads stopped")
                    .isTrue();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        int total = THREADS * TRANSFERS_PER_THREAD;
        assertThat(attempts).hasSize(total);
        assertThat(mostInFlight.get())
                .as("payments in flight at the same moment")
                .isGreaterThanOrEqualTo(THREADS / 2);

        List<Attempt> created = attempts.stream().filter(a -> a.status() == 201).toList();
        long refused = attempts.stream().filter(a -> a.status() == 422).count();
        System.out.printf(
                "ConcurrentTransfersTest: %d transfers over HTTP from %d threads in %.2f s = %.0f transfers/s "
                        + "(%d posted, %d insufficient_funds)%n",
                total, THREADS, seconds, total / seconds, created.size(), refused);

        // Only two answers are acceptable: posted, or refused for want of money.
        List<Attempt> unexpected = attempts.stream()
                .filter(a -> a.error() != null
                        || !(a.status() == 201 || (a.status() == 422 && "insufficient_funds".equals(a.code()))))
                .toList();
        assertThat(unexpected)
                .as(
                        "%d responses other than a correct 201 or 422 insufficient_funds; the first: %s",
                        unexpected.size(), unexpected.stream().limit(10).toList())
                .isEmpty();
        assertThat(attempts).filteredOn(Attempt::certainOverdraft).allMatch(a -> a.status() == 422);
        assertThat(attempts).filteredOn(Attempt::certainOverdraft).isNotEmpty();
        assertThat(created)
                .as("enough transfers succeeded for the test to mean something")
                .hasSizeGreaterThan(total / 4);
        assertThat(refused).as("some transfers were refused for want of funds").isPositive();

        // Money conserved, seen from the database and from the API.
        assertThat(walletSum(wallets)).isEqualTo(TOTAL_MINOR);
        long apiSum = 0;
        for (Api.User user : users) {
            String available = api.available(user);
            assertThat(new BigDecimal(available))
                    .as("available of @%s", user.handle())
                    .isNotNegative();
            apiSum += Money.parseMinor(available, 2);
        }
        assertThat(apiSum).isEqualTo(TOTAL_MINOR);

        // Each wallet: never negative, equal to its postings, and equal to what the clients saw happen.
        Map<Integer, Long> expected = new HashMap<>();
        for (int i = 0; i < USERS; i++) {
            expected.put(i, FUNDING_MINOR);
        }
        for (Attempt a : created) {
            expected.merge(a.from(), -a.amountMinor(), Long::sum);
            expected.merge(a.to(), a.amountMinor(), Long::sum);
        }
        for (int i = 0; i < USERS; i++) {
            UUID wallet = wallets.get(i);
            long posted = jdbc.sql("SELECT posted_minor FROM ledger_accounts WHERE id = ?")
                    .param(wallet)
                    .query(Long.class)
                    .single();
            long pendingDebit = jdbc.sql("SELECT pending_debit_minor FROM ledger_accounts WHERE id = ?")
                    .param(wallet)
                    .query(Long.class)
                    .single();
            long postings = jdbc.sql("SELECT coalesce(sum(amount_minor), 0) FROM ledger_postings WHERE account_id = ?")
                    .param(wallet)
                    .query(Long.class)
                    .single();
            assertThat(posted - pendingDebit)
                    .as("available of wallet %s", wallet)
                    .isNotNegative();
            assertThat(posted)
                    .as("balance of wallet %s against its postings", wallet)
                    .isEqualTo(postings);
            assertThat(posted)
                    .as("balance of wallet %s against the 201s its owner took part in", wallet)
                    .isEqualTo(expected.get(i));
        }

        // Every 201 is exactly one transfer with exactly its two postings, and nothing else moved between these
        // wallets.
        Set<UUID> createdIds = new HashSet<>();
        created.forEach(a -> assertThat(createdIds.add(a.transferId()))
                .as("transfer id %s answered twice", a.transferId())
                .isTrue());
        Map<UUID, TransferRow> rows = new HashMap<>();
        jdbc.sql("""
                SELECT t.id, t.amount_minor, t.from_account_id, t.to_account_id,
                       count(p.*) AS postings,
                       count(p.*) FILTER (WHERE p.account_id = t.from_account_id AND p.amount_minor = -t.amount_minor) AS debits,
                       count(p.*) FILTER (WHERE p.account_id = t.to_account_id AND p.amount_minor = t.amount_minor) AS credits
                  FROM ledger_transfers t LEFT JOIN ledger_postings p ON p.transfer_id = t.id
                 WHERE t.from_account_id IN (:wallets) AND t.to_account_id IN (:wallets)
                 GROUP BY t.id
                """)
                .param("wallets", wallets)
                .query((rs, n) -> new TransferRow(
                        (UUID) rs.getObject("id"),
                        rs.getLong("amount_minor"),
                        (UUID) rs.getObject("from_account_id"),
                        (UUID) rs.getObject("to_account_id"),
                        rs.getInt("postings"),
                        rs.getInt("debits"),
                        rs.getInt("credits")))
                .list()
                .forEach(row -> rows.put(row.id(), row));
        assertThat(rows).as("ledger transfers between these wallets").hasSize(created.size());
        for (Attempt a : created) {
            TransferRow row = rows.get(a.transferId());
            assertThat(row).as("ledger row of 201 %s", a).isNotNull();
            assertThat(row.amountMinor()).as("amount of %s", a.transferId()).isEqualTo(a.amountMinor());
            assertThat(row.fromAccount()).as("payer of %s", a.transferId()).isEqualTo(wallets.get(a.from()));
            assertThat(row.toAccount()).as("payee of %s", a.transferId()).isEqualTo(wallets.get(a.to()));
            assertThat(row.postings()).as("postings of %s", a.transferId()).isEqualTo(2);
            assertThat(row.debits())
                    .as("-amount on the payer's wallet for %s", a.transferId())
                    .isEqualTo(1);
            assertThat(row.credits())
                    .as("+amount on the payee's wallet for %s", a.transferId())
                    .isEqualTo(1);
        }

        LedgerVerifier.Report report = verifier.verify();
        assertThat(report.problems()).as(report.summary()).isEmpty();
        assertThat(report.ok()).isTrue();
    }

    record TransferRow(
            UUID id, long amountMinor, UUID fromAccount, UUID toAccount, int postings, int debits, int credits) {}

    /**
     * One payment. A quarter go between two fixed pairs of wallets, in a direction set by the
     * thread's parity, so the same two rows are locked from both sides at the same time; one in
     * ten asks for more than all the money there is; the rest are random pairs and amounts, large
     * enough that wallets regularly run dry.
     */
    private Attempt attempt(List<Api.User> users, int thread) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int from;
        int to;
        if (random.nextInt(4) == 0) {
            int pair = random.nextInt(2) * 2;
            boolean forward = thread % 2 == 0;
            from = forward ? pair : pair + 1;
            to = forward ? pair + 1 : pair;
        } else {
            from = random.nextInt(USERS);
            to = (from + 1 + random.nextInt(USERS - 1)) % USERS;
        }
        boolean certainOverdraft = random.nextInt(10) == 0;
        long amountMinor = certainOverdraft
                ? random.nextLong(TOTAL_MINOR + 1, MAX_TRANSFER_MINOR + 1)
                : random.nextLong(1, 15_001);
        try {
            Api.Response response = api.post(
                    "/v1/transfers",
                    users.get(from).token(),
                    UUID.randomUUID().toString(),
                    Map.of(
                            "to_user_id",
                            users.get(to).id().toString(),
                            "amount",
                            Money.format(amountMinor, 2),
                            "currency",
                            "USD",
                            "note",
                            "load " + thread));
            String code = null;
            UUID transferId = null;
            if (response.status() == 201) {
                var json = response.json();
                transferId = UUID.fromString(json.get("id").asString());
                if (!json.get("from_user_id")
                                .asString()
                                .equals(users.get(from).id().toString())
                        || !json.get("to_user_id")
                                .asString()
                                .equals(users.get(to).id().toString())
                        || Money.parseMinor(json.get("amount").asString(), 2) != amountMinor
                        || response.header("Idempotent-Replayed") != null) {
                    return new Attempt(
                            from,
                            to,
                            amountMinor,
                            certainOverdraft,
                            response.status(),
                            null,
                            response.body(),
                            transferId,
                            "201 body does not describe the request");
                }
            } else if (response.body() != null && response.body().startsWith("{")) {
                code = response.code();
            }
            return new Attempt(
                    from,
                    to,
                    amountMinor,
                    certainOverdraft,
                    response.status(),
                    code,
                    response.status() == 201 ? null : response.body(),
                    transferId,
                    null);
        } catch (RuntimeException exception) {
            return new Attempt(from, to, amountMinor, certainOverdraft, -1, null, null, null, exception.toString());
        }
    }

    private long walletSum(List<UUID> wallets) {
        return jdbc.sql("SELECT sum(posted_minor) FROM ledger_accounts WHERE id IN (:wallets)")
                .param("wallets", wallets)
                .query(Long.class)
                .single();
    }
}
