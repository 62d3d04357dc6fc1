package org.openwallet.bank;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * The bank's books: accepts transfers (idempotently, by request id), brings each to its outcome when
 * it falls due on the {@link SimulatedClock}, publishes one {@link WebhookEvent} per outcome, and
 * keeps the settlement report. Everything is in memory: a restart forgets every transfer, in flight
 * or done, and the report.
 *
 * <p>One lock guards all of it. A simulator serves one wallet, and what it does under the lock is a
 * few map operations; events are published after the lock is released, by the one thread that
 * completes transfers, so they leave in the order the transfers completed.
 */
final class Bank {
    /** The most transfers kept; beyond it the bank answers 503 rather than run out of memory. */
    static final int DEFAULT_MAX_TRANSFERS = 100_000;
    /** The most items planted into settlement reports by tests. */
    static final int MAX_PLANTED_SETTLEMENTS = 10_000;
    /** The longest the completing thread sleeps before looking at the clock again (the real clock may jump). */
    private static final Duration MAX_SLEEP = Duration.ofSeconds(1);

    /** What became of a {@code POST /v1/transfers}. */
    sealed interface Acceptance {
        /** A new transfer, now in flight. */
        record Accepted(Transfer transfer) implements Acceptance {}

        /** The request id was seen before with the same body: the original transfer, nothing done again. */
        record Replayed(Transfer transfer) implements Acceptance {}

        /** The request id was seen before with a different body. */
        record Conflicting(Transfer existing) implements Acceptance {}

        /** The bank holds {@code maxTransfers} already. */
        record AtCapacity(int maxTransfers) implements Acceptance {}
    }

    /** What became of a request to return a settled debit late ({@code POST /admin/transfers/{id}/return}). */
    sealed interface LateReturn {
        /** Returned now; its {@code transfer.returned} event is on its way. */
        record Returned(Transfer transfer) implements LateReturn {}

        /** No transfer with that id. */
        record Unknown() implements LateReturn {}

        /** Not a settled debit (in flight, failed, a credit, or returned already): nothing changed. */
        record NotReturnable(Transfer transfer) implements LateReturn {}
    }

    /** A late return the {@code ...0010} trigger has planned for a settled debit. */
    private record PlannedReturn(Instant dueAt, long sequence, String transferId, ReasonCode reason) {}

    private final SimulatedClock clock;
    private final Supplier<BankConfig> config;
    private final RandomGenerator random;
    private final Consumer<WebhookEvent> events;
    private final int maxTransfers;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Map<String, Transfer> byRequestId = new HashMap<>();
    private final Map<String, Transfer> byId = new HashMap<>();
    private final PriorityQueue<Transfer> inFlight =
            new PriorityQueue<>(Comparator.comparing(Transfer::dueAt).thenComparingLong(Transfer::sequence));
    private final TreeMap<LocalDate, List<SettlementItem>> settlements = new TreeMap<>();
    private final TreeMap<LocalDate, List<ReturnItem>> returns = new TreeMap<>();
    private final PriorityQueue<PlannedReturn> plannedReturns =
            new PriorityQueue<>(Comparator.comparing(PlannedReturn::dueAt).thenComparingLong(PlannedReturn::sequence));
    private long lateReturned;
    private final Map<TransferStatus, Long> counts = new HashMap<>();
    private long sequence;
    private int planted;
    private boolean stopped;

    Bank(
            SimulatedClock clock,
            Supplier<BankConfig> config,
            RandomGenerator random,
            Consumer<WebhookEvent> events,
            int maxTransfers) {
        this.clock = clock;
        this.config = config;
        this.random = random;
        this.events = events;
        this.maxTransfers = maxTransfers;
        clock.onAdvance(this::wakeUp);
    }

    Acceptance accept(TransferRequest request) {
        BankConfig settings = config.get();
        lock.lock();
        try {
            Transfer existing = byRequestId.get(request.requestId());
            if (existing != null) {
                return existing.request().equals(request)
                        ? new Acceptance.Replayed(existing)
                        : new Acceptance.Conflicting(existing);
            }
            if (byId.size() >= maxTransfers) {
                return new Acceptance.AtCapacity(maxTransfers);
            }
            Instant now = clock.instant();
            ReasonCode reason = reasonFor(request, settings);
            TransferStatus outcome = reason == null
                    ? TransferStatus.SETTLED
                    : request.direction() == Direction.DEBIT ? TransferStatus.FAILED : TransferStatus.RETURNED;
            Transfer transfer = new Transfer(
                    "bt_" + UUID.randomUUID().toString().replace("-", ""),
                    sequence++,
                    request,
                    now,
                    dueAt(now, settings),
                    outcome,
                    reason,
                    TransferStatus.ACCEPTED,
                    null);
            byRequestId.put(request.requestId(), transfer);
            byId.put(transfer.id(), transfer);
            inFlight.add(transfer);
            counts.merge(TransferStatus.ACCEPTED, 1L, Long::sum);
            changed.signalAll();
            return new Acceptance.Accepted(transfer);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The reason this transfer will fail or be returned, or null if it will settle: the account
     * number's test trigger first, then the random failure rate. R01 (insufficient funds) concerns
     * the payer only, so a credit to a {@code ...0001} account settles.
     */
    private ReasonCode reasonFor(TransferRequest request, BankConfig settings) {
        ReasonCode triggered = ReasonCode.triggeredBy(request.accountNumber());
        if (triggered != null && ReasonCode.applicableTo(request.direction()).contains(triggered)) {
            return triggered;
        }
        if (settings.failureRate() > 0 && random.nextDouble() < settings.failureRate()) {
            List<ReasonCode> codes = ReasonCode.applicableTo(request.direction());
            return codes.get(random.nextInt(codes.size()));
        }
        return null;
    }

    private Instant dueAt(Instant now, BankConfig settings) {
        return switch (settings.mode()) {
            case FIXED_DELAY -> now.plusMillis(settings.delayMillis());
            case BUSINESS_DAYS ->
                BusinessDays.add(now, random.nextInt(settings.businessDaysMin(), settings.businessDaysMax() + 1));
        };
    }

    /**
     * Brings every transfer due by now to its outcome, records settlements, and publishes their events
     * in completion order. Called by the completing thread ({@link #run}); tests call it directly.
     */
    int completeDue() {
        List<WebhookEvent> completed = new ArrayList<>();
        BankConfig settings = config.get();
        lock.lock();
        try {
            Instant now = clock.instant();
            while (!inFlight.isEmpty() && !inFlight.peek().dueAt().isAfter(now)) {
                Transfer transfer = inFlight.poll().completed();
                byRequestId.put(transfer.request().requestId(), transfer);
                byId.put(transfer.id(), transfer);
                counts.merge(TransferStatus.ACCEPTED, -1L, Long::sum);
                counts.merge(transfer.status(), 1L, Long::sum);
                if (transfer.status() == TransferStatus.SETTLED) {
                    record(new SettlementItem(
                            transfer.id(),
                            transfer.request().requestId(),
                            transfer.request().direction(),
                            transfer.request().amountMinor(),
                            transfer.request().currency(),
                            transfer.completedAt()));
                    planLateReturn(transfer, settings);
                }
                completed.add(WebhookEvent.of(transfer));
            }
            while (!plannedReturns.isEmpty() && !plannedReturns.peek().dueAt().isAfter(now)) {
                PlannedReturn planned = plannedReturns.poll();
                Transfer returned = returnSettledDebit(planned.transferId(), planned.reason(), planned.dueAt());
                if (returned != null) {
                    completed.add(WebhookEvent.of(returned));
                }
            }
        } finally {
            lock.unlock();
        }
        for (WebhookEvent event : completed) {
            Log.info("Transfer " + event.transfer().id() + " (request "
                    + event.transfer().request().requestId() + ", "
                    + event.transfer().request().direction().wireName() + " "
                    + Amounts.format(event.transfer().request().amountMinor())
                    + " on account " + event.transfer().request().maskedAccountNumber() + ") "
                    + event.transfer().status().wireName()
                    + (event.transfer().reasonCode() == null
                            ? ""
                            : " with " + event.transfer().reasonCode()));
            events.accept(event);
        }
        return completed.size();
    }

    /**
     * A settled debit to a {@code ...0010} account is returned late with R10, as long after its
     * settlement as the settlement came after acceptance in the mode in force (fixed delay: the
     * delay; business days: a new draw).
     */
    private void planLateReturn(Transfer settled, BankConfig settings) {
        if (settled.request().direction() == Direction.DEBIT
                && ReasonCode.triggeredBy(settled.request().accountNumber()) == ReasonCode.R10) {
            plannedReturns.add(new PlannedReturn(
                    dueAt(settled.completedAt(), settings), sequence++, settled.id(), ReasonCode.R10));
            changed.signalAll();
        }
    }

    /**
     * Returns the settled debit {@code bankTransferId} late with {@code reason}, now: its status
     * becomes RETURNED (its {@code completed_at} the return's time), the report of today lists the
     * return, and one {@code transfer.returned} event is published. The settlement stays in the
     * report of its own day: the money did move then.
     */
    LateReturn returnLate(String bankTransferId, ReasonCode reason) {
        if (!ReasonCode.LATE_RETURNS.contains(reason)) {
            throw new IllegalArgumentException(
                    "a late return has reason " + ReasonCode.LATE_RETURNS + ", not " + reason);
        }
        Transfer returned;
        lock.lock();
        try {
            Transfer existing = byId.get(bankTransferId);
            if (existing == null) {
                return new LateReturn.Unknown();
            }
            returned = returnSettledDebit(bankTransferId, reason, clock.instant());
            if (returned == null) {
                return new LateReturn.NotReturnable(existing);
            }
        } finally {
            lock.unlock();
        }
        WebhookEvent event = WebhookEvent.of(returned);
        Log.info("Transfer " + returned.id() + " (request " + returned.request().requestId() + ") returned late with "
                + reason);
        events.accept(event);
        return new LateReturn.Returned(returned);
    }

    /** Under the lock: the settled debit, returned at {@code at}; null (nothing changed) if it is not a settled debit. */
    private Transfer returnSettledDebit(String bankTransferId, ReasonCode reason, Instant at) {
        Transfer settled = byId.get(bankTransferId);
        if (settled == null
                || settled.status() != TransferStatus.SETTLED
                || settled.request().direction() != Direction.DEBIT) {
            return null;
        }
        Transfer returned = new Transfer(
                settled.id(),
                settled.sequence(),
                settled.request(),
                settled.acceptedAt(),
                at,
                TransferStatus.RETURNED,
                reason,
                TransferStatus.RETURNED,
                at);
        byRequestId.put(returned.request().requestId(), returned);
        byId.put(returned.id(), returned);
        lateReturned++;
        returns.computeIfAbsent(at.atZone(ZoneOffset.UTC).toLocalDate(), date -> new ArrayList<>())
                .add(new ReturnItem(
                        returned.id(),
                        returned.request().requestId(),
                        Direction.DEBIT,
                        returned.request().amountMinor(),
                        returned.request().currency(),
                        reason,
                        settled.completedAt(),
                        at));
        return returned;
    }

    /** Every late return made on {@code date} (UTC), oldest first. */
    List<ReturnItem> returnedOn(LocalDate date) {
        lock.lock();
        try {
            List<ReturnItem> items = new ArrayList<>(returns.getOrDefault(date, List.of()));
            items.sort(Comparator.comparing(ReturnItem::returnedAt).thenComparing(ReturnItem::bankTransferId));
            return items;
        } finally {
            lock.unlock();
        }
    }

    /** The completing thread: sleeps until the earliest transfer falls due (or the clock advances), completes, repeats. */
    void run() {
        while (awaitDue()) {
            completeDue();
        }
    }

    private boolean awaitDue() {
        lock.lock();
        try {
            while (!stopped) {
                Instant next = nextDue();
                if (next == null) {
                    changed.await();
                    continue;
                }
                long waitMillis = Duration.between(clock.instant(), next).toMillis();
                if (waitMillis <= 0) {
                    return true;
                }
                changed.await(Math.min(waitMillis, MAX_SLEEP.toMillis()), TimeUnit.MILLISECONDS);
            }
            return false;
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
    }

    /** When the next transfer completes or the next planned late return falls due; null when nothing waits. */
    private Instant nextDue() {
        Instant transfer = inFlight.isEmpty() ? null : inFlight.peek().dueAt();
        Instant late = plannedReturns.isEmpty() ? null : plannedReturns.peek().dueAt();
        return transfer == null ? late : late == null || transfer.isBefore(late) ? transfer : late;
    }

    private void wakeUp() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    void stop() {
        lock.lock();
        try {
            stopped = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    Transfer transfer(String bankTransferId) {
        lock.lock();
        try {
            return byId.get(bankTransferId);
        } finally {
            lock.unlock();
        }
    }

    /** Every item settled on {@code date} (UTC), oldest first. */
    List<SettlementItem> settledOn(LocalDate date) {
        lock.lock();
        try {
            List<SettlementItem> items = new ArrayList<>(settlements.getOrDefault(date, List.of()));
            items.sort(Comparator.comparing(SettlementItem::settledAt).thenComparing(SettlementItem::bankTransferId));
            return items;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Adds an item to the settlement report that no transfer and no webhook stands for, as a real
     * bank's report sometimes does (a manual adjustment, a transfer whose webhook never arrived), so
     * the wallet's reconciliation has a difference to find. Returns false beyond {@link #MAX_PLANTED_SETTLEMENTS}.
     */
    boolean plant(SettlementItem item) {
        lock.lock();
        try {
            if (planted >= MAX_PLANTED_SETTLEMENTS) {
                return false;
            }
            planted++;
            record(item);
            return true;
        } finally {
            lock.unlock();
        }
    }

    private void record(SettlementItem item) {
        settlements
                .computeIfAbsent(item.settledAt().atZone(ZoneOffset.UTC).toLocalDate(), date -> new ArrayList<>())
                .add(item);
    }

    /** How many transfers are in each status. */
    Map<String, Long> counts() {
        lock.lock();
        try {
            Map<String, Long> result = new LinkedHashMap<>();
            for (TransferStatus status : TransferStatus.values()) {
                result.put(
                        status == TransferStatus.ACCEPTED ? "in_flight" : status.wireName(),
                        counts.getOrDefault(status, 0L));
            }
            result.put("late_returned", lateReturned);
            result.put("planted_settlements", (long) planted);
            return result;
        } finally {
            lock.unlock();
        }
    }

    Instant now() {
        return clock.instant();
    }
}
