package org.openwallet.bank;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The bank's books and schedule, on a clock the test moves by hand; no threads, no HTTP. */
class BankTest {
    /** A Monday. */
    private final AtomicReference<Instant> realNow = new AtomicReference<>(Instant.parse("2026-03-02T15:00:00Z"));

    private final SimulatedClock clock = new SimulatedClock(realNow::get);
    private final AtomicReference<BankConfig> config = new AtomicReference<>(BankConfig.defaults());
    private final List<WebhookEvent> events = new ArrayList<>();
    private final Bank bank = new Bank(clock, config::get, new Random(7), events::add, 3);

    @Test
    void transfer_inFixedDelayMode_settlesWhenItsDelayHasPassed_andNotBefore() {
        Transfer transfer = accepted(debit("req-1", "123456789"));

        realNow.set(realNow.get().plusMillis(1999));
        assertEquals(0, bank.completeDue());
        assertEquals(TransferStatus.ACCEPTED, bank.transfer(transfer.id()).status());

        realNow.set(realNow.get().plusMillis(1));
        assertEquals(1, bank.completeDue());
        Transfer settled = bank.transfer(transfer.id());
        assertEquals(TransferStatus.SETTLED, settled.status());
        assertEquals(Instant.parse("2026-03-02T15:00:02Z"), settled.completedAt());
        assertEquals(1, events.size());
        assertEquals("transfer.settled", events.get(0).type());
        assertNull(events.get(0).toJson().get("reason_code"));
        assertTrue(events.get(0).toJson().containsKey("reason_code"), "reason_code is present, as null");
    }

    @Test
    void accountNumberTriggers_failDebits_andReturnCredits_butR01DoesNotApplyToACredit() {
        config.set(config.get().with(Map.of("delay_millis", 0)));
        Bank large = new Bank(clock, config::get, new Random(7), events::add, 100);
        accept(large, debit("d1", "55550001"));
        accept(large, debit("d2", "55550002"));
        accept(large, debit("d3", "55550003"));
        accept(large, credit("c1", "55550001"));
        accept(large, credit("c2", "55550002"));
        accept(large, credit("c3", "55550003"));

        large.completeDue();

        assertEquals(
                List.of(
                        "transfer.failed R01",
                        "transfer.failed R02",
                        "transfer.failed R03",
                        "transfer.settled null",
                        "transfer.returned R02",
                        "transfer.returned R03"),
                events.stream()
                        .map(event -> event.type() + " " + event.toJson().get("reason_code"))
                        .toList());
        assertEquals(
                List.of("c1"),
                large.settledOn(LocalDate.parse("2026-03-02")).stream()
                        .map(SettlementItem::requestId)
                        .toList(),
                "only what settled is in the report");
    }

    @Test
    void failureRateOfOne_failsEveryTransfer_withAnApplicableCode() {
        config.set(config.get().with(Map.of("delay_millis", 0, "failure_rate", 1.0)));
        Bank large = new Bank(clock, config::get, new Random(7), events::add, 100);
        for (int index = 0; index < 20; index++) {
            accept(large, index % 2 == 0 ? debit("r" + index, "12345678") : credit("r" + index, "12345678"));
        }
        large.completeDue();

        assertEquals(20, events.size());
        for (WebhookEvent event : events) {
            Direction direction = event.transfer().request().direction();
            assertEquals(direction == Direction.DEBIT ? "transfer.failed" : "transfer.returned", event.type());
            assertTrue(
                    ReasonCode.applicableTo(direction).contains(event.transfer().reasonCode()));
        }
    }

    @Test
    void sameRequestIdAndBody_replaysTheTransfer_aDifferentBodyConflicts_andNothingIsDoneTwice() {
        Transfer first = accepted(debit("req-1", "123456789"));

        Bank.Acceptance again = bank.accept(debit("req-1", "123456789"));
        Bank.Acceptance different = bank.accept(credit("req-1", "123456789"));

        assertSame(
                first, assertInstanceOf(Bank.Acceptance.Replayed.class, again).transfer());
        assertSame(
                first,
                assertInstanceOf(Bank.Acceptance.Conflicting.class, different).existing());
        realNow.set(realNow.get().plusSeconds(10));
        assertEquals(1, bank.completeDue());
        assertEquals(1, events.size());
    }

    @Test
    void accept_beyondMaxTransfers_isRefused() {
        accepted(debit("a", "12345678"));
        accepted(debit("b", "12345678"));
        accepted(debit("c", "12345678"));

        assertInstanceOf(Bank.Acceptance.AtCapacity.class, bank.accept(debit("d", "12345678")));
        assertInstanceOf(Bank.Acceptance.Replayed.class, bank.accept(debit("a", "12345678")), "a replay still answers");
    }

    @Test
    void businessDaysMode_settlesOnABusinessDay_whenTheClockIsAdvanced() {
        realNow.set(Instant.parse("2026-03-06T15:00:00Z")); // a Friday
        config.set(config.get().with(Map.of("mode", "business_days", "business_days_min", 1, "business_days_max", 1)));
        Transfer transfer = accepted(debit("req-1", "123456789"));

        clock.advance(Duration.ofDays(2)); // Sunday: still pending
        assertEquals(0, bank.completeDue());

        clock.advance(Duration.ofDays(1)); // Monday 15:00
        assertEquals(1, bank.completeDue());
        assertEquals(
                Instant.parse("2026-03-09T15:00:00Z"),
                bank.transfer(transfer.id()).completedAt());
        assertEquals(1, bank.settledOn(LocalDate.parse("2026-03-09")).size());
        assertEquals(0, bank.settledOn(LocalDate.parse("2026-03-06")).size());
    }

    @Test
    void businessDaysMode_drawsBetweenMinAndMax() {
        config.set(config.get().with(Map.of("mode", "business_days")));
        Bank large = new Bank(clock, config::get, new Random(7), events::add, 1000);
        List<Instant> dueTimes = new ArrayList<>();
        for (int index = 0; index < 200; index++) {
            dueTimes.add(((Bank.Acceptance.Accepted) large.accept(debit("r" + index, "12345678")))
                    .transfer()
                    .dueAt());
        }
        // From Monday 15:00: 1, 2 or 3 business days is Tuesday, Wednesday or Thursday 15:00.
        assertEquals(
                List.of(
                        Instant.parse("2026-03-03T15:00:00Z"),
                        Instant.parse("2026-03-04T15:00:00Z"),
                        Instant.parse("2026-03-05T15:00:00Z")),
                dueTimes.stream().distinct().sorted().toList());
    }

    @Test
    void plantedSettlement_appearsInTheReportOfItsDay_only() {
        bank.plant(
                new SettlementItem("bt_x", null, Direction.CREDIT, 500, "USD", Instant.parse("2026-03-04T23:59:59Z")));

        assertEquals(
                List.of("bt_x"),
                bank.settledOn(LocalDate.parse("2026-03-04")).stream()
                        .map(SettlementItem::bankTransferId)
                        .toList());
        assertEquals(List.of(), bank.settledOn(LocalDate.parse("2026-03-05")));
    }

    @Test
    void debitToA0010Account_settles_thenIsReturnedLateWithR10_andTheReportsShowBoth() {
        Transfer transfer = accepted(debit("req-1", "55550010"));

        realNow.set(realNow.get().plusMillis(2000));
        assertEquals(1, bank.completeDue());
        assertEquals(TransferStatus.SETTLED, bank.transfer(transfer.id()).status());
        realNow.set(realNow.get().plusMillis(1999));
        assertEquals(0, bank.completeDue(), "the return comes one delay after the settlement, not before");
        realNow.set(realNow.get().plusMillis(1));
        assertEquals(1, bank.completeDue());

        assertEquals(
                List.of("transfer.settled null", "transfer.returned R10"),
                events.stream()
                        .map(event -> event.type() + " " + event.toJson().get("reason_code"))
                        .toList());
        assertEquals("2026-03-02T15:00:04Z", events.get(1).toJson().get("occurred_at"), "the return's own time");
        Transfer returned = bank.transfer(transfer.id());
        assertEquals(TransferStatus.RETURNED, returned.status());
        assertEquals(ReasonCode.R10, returned.reasonCode());
        assertEquals(
                List.of("req-1"),
                bank.settledOn(LocalDate.parse("2026-03-02")).stream()
                        .map(SettlementItem::requestId)
                        .toList(),
                "the settlement stays in its day's report: the money did move");
        List<ReturnItem> returns = bank.returnedOn(LocalDate.parse("2026-03-02"));
        assertEquals(1, returns.size());
        assertEquals(Instant.parse("2026-03-02T15:00:02Z"), returns.get(0).settledAt());
        assertEquals(Instant.parse("2026-03-02T15:00:04Z"), returns.get(0).returnedAt());
        assertEquals(1L, bank.counts().get("late_returned"));
    }

    @Test
    void returnLate_returnsASettledDebitOnce_andRefusesWhatIsNotASettledDebit() {
        config.set(config.get().with(Map.of("delay_millis", 0)));
        Bank large = new Bank(clock, config::get, new Random(7), events::add, 100);
        Transfer debit = accept(large, debit("d1", "12345678"));
        Transfer credit = accept(large, credit("c1", "12345678"));
        Transfer failed = accept(large, debit("d2", "55550001"));
        large.completeDue();
        Transfer inFlight = accept(large, debit("d3", "12345678"));

        Bank.LateReturn returned = large.returnLate(debit.id(), ReasonCode.R01);
        Bank.LateReturn again = large.returnLate(debit.id(), ReasonCode.R01);

        assertEquals(
                ReasonCode.R01,
                assertInstanceOf(Bank.LateReturn.Returned.class, returned)
                        .transfer()
                        .reasonCode());
        assertInstanceOf(Bank.LateReturn.NotReturnable.class, again, "returned once only");
        assertInstanceOf(Bank.LateReturn.NotReturnable.class, large.returnLate(credit.id(), ReasonCode.R10));
        assertInstanceOf(Bank.LateReturn.NotReturnable.class, large.returnLate(failed.id(), ReasonCode.R10));
        assertInstanceOf(Bank.LateReturn.NotReturnable.class, large.returnLate(inFlight.id(), ReasonCode.R10));
        assertInstanceOf(Bank.LateReturn.Unknown.class, large.returnLate("bt_nothing", ReasonCode.R10));
        assertEquals(
                1,
                events.stream()
                        .filter(event -> event.type().equals("transfer.returned"))
                        .count());
        assertEquals(
                List.of("d1"),
                large.returnedOn(LocalDate.parse("2026-03-02")).stream()
                        .map(ReturnItem::requestId)
                        .toList());
    }

    private Transfer accepted(TransferRequest request) {
        return accept(bank, request);
    }

    private static Transfer accept(Bank bank, TransferRequest request) {
        return assertInstanceOf(Bank.Acceptance.Accepted.class, bank.accept(request))
                .transfer();
    }

    static TransferRequest debit(String requestId, String accountNumber) {
        return new TransferRequest(requestId, Direction.DEBIT, "021000021", accountNumber, "Ada Lovelace", 1250, "USD");
    }

    static TransferRequest credit(String requestId, String accountNumber) {
        return new TransferRequest(
                requestId, Direction.CREDIT, "021000021", accountNumber, "Ada Lovelace", 1250, "USD");
    }
}
