package org.openwallet.bank;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class BusinessDaysTest {
    // 2026-03-02 is a Monday.
    @Test
    void add_skipsWeekends_keepingTheTimeOfDay() {
        assertEquals(Instant.parse("2026-03-03T15:00:00Z"), BusinessDays.add(Instant.parse("2026-03-02T15:00:00Z"), 1));
        assertEquals(
                Instant.parse("2026-03-09T15:00:00Z"),
                BusinessDays.add(Instant.parse("2026-03-06T15:00:00Z"), 1),
                "Friday + 1 is Monday");
        assertEquals(
                Instant.parse("2026-03-11T15:00:00Z"),
                BusinessDays.add(Instant.parse("2026-03-06T15:00:00Z"), 3),
                "Friday + 3 is Wednesday");
        assertEquals(
                Instant.parse("2026-03-09T10:00:00Z"),
                BusinessDays.add(Instant.parse("2026-03-07T10:00:00Z"), 1),
                "Saturday + 1 is Monday");
        assertEquals(
                Instant.parse("2026-03-09T10:00:00Z"),
                BusinessDays.add(Instant.parse("2026-03-08T10:00:00Z"), 1),
                "Sunday + 1 is Monday");
        assertEquals(Instant.parse("2026-03-02T15:00:00Z"), BusinessDays.add(Instant.parse("2026-03-02T15:00:00Z"), 0));
    }
}
