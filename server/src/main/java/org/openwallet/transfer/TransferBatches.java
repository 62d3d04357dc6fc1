package org.openwallet.transfer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import org.openwallet.fraud.HardRules;
import org.openwallet.idempotency.IdempotencyKeys;
import org.openwallet.identity.UserDirectory;
import org.openwallet.ledger.Ledger;
import org.openwallet.ledger.LockedWallets;
import org.openwallet.platform.database.DeferredWrites;
import org.openwallet.platform.database.Transactions;
import org.openwallet.platform.web.OverloadedException;
import org.openwallet.platform.web.ProblemException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * Group commit: payments arriving together share one database transaction, and so one commit
 * (one WAL flush) and one lock of each wallet they touch.
 *
 * <p>A worker takes the payments waiting in the queue, up to {@code max-size}, waiting at most
 * {@code max-wait} for more once it has the first. It locks every wallet of the batch in one
 * statement, in id order, then runs the payments one after the other against those locked rows
 * ({@link LockedWallets}) and commits. Each caller is answered only after that commit. What each
 * payment writes (its Idempotency-Key record, its transfer, its outbox event) is in the same
 * commit as its money.
 *
 * <p>One payment's refusal never touches its neighbours: insufficient funds and the other refusals
 * are answers, not errors, and write nothing that could abort the transaction. Should a payment
 * fail for real (an exception), the batch is rolled back and each of its payments runs again in
 * a transaction of its own, so only the failing one fails. Serialization failures and deadlocks
 * rerun the whole batch ({@link Transactions#run}). An {@link Error} is a failure like any other:
 * the payment that threw it fails alone, and the worker goes on.
 *
 * <p>Nothing here waits without bound. The queue holds at most {@code queue-capacity} payments;
 * one more is answered 503 ({@code reason} {@value #QUEUE_FULL}) at once. A caller waits at most
 * {@code answer-timeout} for its batch, then is answered 503 ({@value #TIMED_OUT}). That is safe
 * because of the Idempotency-Key: a payment still in the queue is taken out and never runs, so the
 * retry makes it; one whose batch is running either commits, and the retry replays it, or rolls
 * back, and the retry makes it once. A batch skips payments whose callers have stopped waiting, so a
 * slow database does not make the workers run payments nobody waits for.
 */
@Component
class TransferBatches implements DisposableBean {
    private static final Logger log = LoggerFactory.getLogger(TransferBatches.class);
    /** The problem's {@code reason} when the queue is full: the payment was not made. */
    static final String QUEUE_FULL = "transfer_queue_full";
    /** The problem's {@code reason} when the batch did not answer within {@code answer-timeout}. */
    static final String TIMED_OUT = "transfer_timed_out";
    /** A batch commits in milliseconds when the database is well; a second lets a backlog drain. */
    static final long RETRY_AFTER_SECONDS = 1;

    /**
     * One payment: whose wallets it needs locked ({@code recipientId} null when there is no
     * recipient; the payment will be refused), its Idempotency-Key, and its work inside the batch's
     * transaction, given the key's claim. The work may throw {@link ProblemException} only before
     * it has written anything (the key is in use): that answers this payment and leaves the
     * transaction usable for the others.
     */
    record Payment(
            UUID senderId,
            UUID recipientId,
            String currency,
            IdempotencyKeys.KeyRequest key,
            BiFunction<Batch, IdempotencyKeys.Claim, Transfers.Response> work) {}

    /** What the payments of one batch share: their wallets, locked, and their senders' settings, read once. */
    static final class Batch {
        private final LockedWallets wallets;
        private final Set<UUID> senders;
        private final Set<UUID> recipients;
        private final UserDirectory users;
        private final HardRules hardRules;
        private Map<UUID, String> defaultVisibilities;
        private HardRules.Facts hardRuleFacts;

        private Batch(
                LockedWallets wallets,
                Set<UUID> senders,
                Set<UUID> recipients,
                UserDirectory users,
                HardRules hardRules) {
            this.wallets = wallets;
            this.senders = senders;
            this.recipients = recipients;
            this.users = users;
            this.hardRules = hardRules;
        }

        LockedWallets wallets() {
            return wallets;
        }

        /** The visibility a sender's payments get when they do not say; all the batch's senders' read in one query. */
        Optional<String> defaultVisibility(UUID senderId) {
            if (defaultVisibilities == null) {
                defaultVisibilities = users.defaultVisibilities(senders);
            }
            return Optional.ofNullable(defaultVisibilities.get(senderId));
        }

        /**
         * Who among the batch's senders and recipients is frozen or blocked: read once, in one indexed
         * query, when the first payment needs it. The wallets are locked by then, so a freeze or block
         * committed before this read applies to every payment of the batch.
         */
        HardRules.Facts hardRules() {
            if (hardRuleFacts == null) {
                hardRuleFacts = hardRules.read(senders, recipients);
            }
            return hardRuleFacts;
        }
    }

    private record Queued(Payment payment, CompletableFuture<Transfers.Response> answer) {}

    private final Transactions transactions;
    private final Ledger ledger;
    private final UserDirectory users;
    private final IdempotencyKeys idempotency;
    private final HardRules hardRules;
    private final DeferredWrites deferred;
    private final TransferBatchProperties properties;
    private final BlockingQueue<Queued> queue;
    private final List<Thread> workers = new CopyOnWriteArrayList<>();
    private final DistributionSummary sizes;
    private final Counter queueFull;
    private final Counter timedOut;
    private volatile boolean running = true;

    TransferBatches(
            Transactions transactions,
            Ledger ledger,
            UserDirectory users,
            IdempotencyKeys idempotency,
            HardRules hardRules,
            DeferredWrites deferred,
            TransferBatchProperties properties,
            MeterRegistry meters) {
        this.transactions = transactions;
        this.hardRules = hardRules;
        this.deferred = deferred;
        this.idempotency = idempotency;
        this.ledger = ledger;
        this.users = users;
        this.properties = properties;
        this.queue = new LinkedBlockingQueue<>(properties.queueCapacity());
        this.sizes = DistributionSummary.builder("wallet.transfers.batch.size")
                .description("Payments per database transaction")
                .register(meters);
        Gauge.builder("wallet.transfers.batch.queued", queue, Collection::size)
                .description("Payments waiting for a batch")
                .register(meters);
        this.queueFull = Counter.builder("wallet.transfers.batch.refused")
                .tag("reason", QUEUE_FULL)
                .description("Payments answered 503 by the batches")
                .register(meters);
        this.timedOut = Counter.builder("wallet.transfers.batch.refused")
                .tag("reason", TIMED_OUT)
                .description("Payments answered 503 by the batches")
                .register(meters);
        for (int i = 0; i < properties.workers(); i++) {
            startWorker(i);
        }
    }

    private void startWorker(int index) {
        Thread worker =
                Thread.ofPlatform().name("transfer-batch-" + index).daemon().unstarted(() -> work(index));
        workers.add(worker);
        worker.start();
    }

    /**
     * Runs the payment in the next batch and returns its answer once that batch has committed.
     *
     * @throws OverloadedException when the queue is full, or the batch did not answer within {@code answer-timeout}
     */
    Transfers.Response run(Payment payment) {
        Queued queued = new Queued(payment, new CompletableFuture<>());
        if (!running) {
            throw stopping();
        }
        if (!queue.offer(queued)) {
            queueFull.increment();
            throw new OverloadedException(
                    "Too many payments are waiting for the database; this one was not made. "
                            + "Retry shortly with the same Idempotency-Key.",
                    QUEUE_FULL,
                    RETRY_AFTER_SECONDS);
        }
        if (!running) {
            // Stopped between the check and the offer: no worker may be left to take it.
            failWaiting();
        }
        try {
            return queued.answer().get(properties.answerTimeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException late) {
            return gaveUp(queued, late);
        } catch (ExecutionException failed) {
            throw unchecked(failed.getCause());
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            return gaveUp(queued, interrupted);
        }
    }

    /**
     * The caller stops waiting. Its answer is completed with {@code why} first, so that whoever
     * completes it first decides: if the batch answered in the meantime, that answer is sent; if
     * not, a batch that has not started the payment yet skips it.
     */
    private Transfers.Response gaveUp(Queued queued, Exception why) {
        // Taken out of the queue, the payment can no longer run at all.
        boolean neverRuns = queue.remove(queued);
        if (!queued.answer().completeExceptionally(why)) {
            try {
                return queued.answer().join();
            } catch (CompletionException failed) {
                throw unchecked(failed.getCause());
            }
        }
        timedOut.increment();
        throw new OverloadedException(
                neverRuns
                        ? "The database did not get to this payment in time; it was not made. Retry shortly with the same Idempotency-Key."
                        : "This payment did not finish in time and may still be made. Retry shortly with the same Idempotency-Key: "
                                + "the retry returns the payment if it was made and makes it once if it was not.",
                TIMED_OUT,
                RETRY_AFTER_SECONDS);
    }

    /** What the caller's thread throws for a batch's failure; an {@link Error} of the worker becomes a 500, not the caller's own Error. */
    private static RuntimeException unchecked(Throwable failure) {
        if (failure instanceof RuntimeException runtime) {
            return runtime;
        }
        return new IllegalStateException("The transfer batch failed: " + failure, failure);
    }

    private void work(int index) {
        List<Queued> batch = new ArrayList<>(properties.maxSize());
        boolean interrupted = false;
        try {
            while (running) {
                try {
                    Queued first = queue.poll(100, TimeUnit.MILLISECONDS);
                    if (first == null) {
                        continue;
                    }
                    batch.add(first);
                    fill(batch);
                    runByCurrency(batch);
                } catch (InterruptedException stop) {
                    interrupted = true;
                    return;
                } catch (Throwable unexpected) {
                    // An Error too (a stack overflow, memory running out in one batch): its callers are
                    // answered and this worker takes the next batch. Were it to end, payments would wait
                    // for a worker that is gone.
                    batch.forEach(queued -> queued.answer().completeExceptionally(unexpected));
                    log.error("A transfer batch failed outside its transaction", unexpected);
                } finally {
                    batch.clear();
                }
            }
        } finally {
            // Only a failure while handling a failure gets here with the wallet running: a worker
            // of the same name takes over, so the wallet never runs with fewer workers than configured.
            if (running && !interrupted) {
                log.error("Transfer batch worker {} ended unexpectedly; starting another", index);
                startWorker(index);
            }
        }
    }

    /** Adds what is waiting, and what arrives within max-wait, up to max-size. */
    private void fill(List<Queued> batch) throws InterruptedException {
        queue.drainTo(batch, properties.maxSize() - batch.size());
        long deadline = System.nanoTime() + properties.maxWait().toNanos();
        while (batch.size() < properties.maxSize()) {
            long remaining = deadline - System.nanoTime();
            Queued next = remaining > 0 ? queue.poll(remaining, TimeUnit.NANOSECONDS) : null;
            if (next == null) {
                return;
            }
            batch.add(next);
            queue.drainTo(batch, properties.maxSize() - batch.size());
        }
    }

    private void runByCurrency(List<Queued> batch) {
        Map<String, List<Queued>> byCurrency = new LinkedHashMap<>();
        for (Queued queued : batch) {
            byCurrency
                    .computeIfAbsent(queued.payment().currency(), currency -> new ArrayList<>())
                    .add(queued);
        }
        byCurrency.forEach(this::runTogether);
    }

    /**
     * One transaction for all; if it fails, one transaction each, so only the failing payment fails.
     * Payments whose callers have stopped waiting are left out: they are answered already, and their
     * retries will make them.
     */
    private void runTogether(String currency, List<Queued> all) {
        List<Queued> batch =
                all.stream().filter(queued -> !queued.answer().isDone()).toList();
        if (batch.isEmpty()) {
            return;
        }
        List<Object> answers;
        try {
            answers = transactions.run(() -> runInOneTransaction(currency, batch));
        } catch (RuntimeException | Error failed) {
            if (batch.size() == 1) {
                batch.get(0).answer().completeExceptionally(failed);
                return;
            }
            log.warn("A batch of {} transfers failed ({}); running each on its own", batch.size(), failed.toString());
            batch.forEach(queued -> runTogether(currency, List.of(queued)));
            return;
        }
        for (int i = 0; i < batch.size(); i++) {
            if (answers.get(i) instanceof ProblemException refused) {
                batch.get(i).answer().completeExceptionally(refused);
            } else {
                batch.get(i).answer().complete((Transfers.Response) answers.get(i));
            }
        }
    }

    /** Each payment's response, or the {@link ProblemException} it was refused with. */
    private List<Object> runInOneTransaction(String currency, List<Queued> batch) {
        Set<UUID> senders = new LinkedHashSet<>();
        Set<UUID> recipients = new LinkedHashSet<>();
        for (Queued queued : batch) {
            senders.add(queued.payment().senderId());
            if (queued.payment().recipientId() != null) {
                recipients.add(queued.payment().recipientId());
            }
        }
        sizes.record(batch.size());
        Batch shared =
                new Batch(ledger.lockWallets(senders, recipients, currency), senders, recipients, users, hardRules);
        // Their writes are queued and sent together at the end (DeferredWrites): one round trip per
        // kind of row for the whole batch instead of one per row.
        return deferred.during(() -> runInTurn(batch, shared));
    }

    private List<Object> runInTurn(List<Queued> batch, Batch shared) {
        // Every key's first use is claimed at once; a key repeated within the batch is claimed at its
        // turn, when the first use has recorded its response (so the repeat is a replay).
        Set<String> seen = new HashSet<>();
        List<Integer> firstUses = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            IdempotencyKeys.KeyRequest key = batch.get(i).payment().key();
            if (seen.add(key.userId() + "\n" + key.key())) {
                firstUses.add(i);
            }
        }
        List<IdempotencyKeys.Claim> firstClaims = idempotency.claimAll(
                Transfers.OPERATION,
                firstUses.stream().map(i -> batch.get(i).payment().key()).toList());
        IdempotencyKeys.Claim[] claims = new IdempotencyKeys.Claim[batch.size()];
        for (int j = 0; j < firstUses.size(); j++) {
            claims[firstUses.get(j)] = firstClaims.get(j);
        }
        List<Object> answers = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            Payment payment = batch.get(i).payment();
            try {
                IdempotencyKeys.Claim claim = claims[i] != null
                        ? claims[i]
                        : idempotency.claim(
                                payment.senderId(),
                                Transfers.OPERATION,
                                payment.key().key(),
                                payment.key().fingerprint());
                answers.add(payment.work().apply(shared, claim));
            } catch (ProblemException refused) {
                answers.add(refused);
            }
        }
        return answers;
    }

    private static OverloadedException stopping() {
        return new OverloadedException(
                "The wallet is shutting down; retry with the same Idempotency-Key.", RETRY_AFTER_SECONDS);
    }

    @Override
    public void destroy() throws InterruptedException {
        running = false;
        for (Thread worker : workers) {
            worker.join(10_000);
        }
        failWaiting();
    }

    private void failWaiting() {
        for (Queued left; (left = queue.poll()) != null; ) {
            left.answer().completeExceptionally(stopping());
        }
    }
}
