package org.openwallet.bank;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;

/**
 * The ACH calendar, simplified: Monday to Friday are business days, in UTC, and there are no
 * holidays. A transfer accepted at some time settles at the same time of day on the n-th business
 * day after the day it was accepted (Friday + 1 is Monday; Saturday + 1 is Monday too).
 */
final class BusinessDays {
    private BusinessDays() {}

    static Instant add(Instant start, int businessDays) {
        if (businessDays < 0) {
            throw new IllegalArgumentException("businessDays must not be negative: " + businessDays);
        }
        ZonedDateTime time = start.atZone(ZoneOffset.UTC);
        int counted = 0;
        while (counted < businessDays) {
            time = time.plusDays(1);
            if (isBusinessDay(time.getDayOfWeek())) {
                counted++;
            }
        }
        return time.toInstant();
    }

    static boolean isBusinessDay(DayOfWeek day) {
        return day != DayOfWeek.SATURDAY && day != DayOfWeek.SUNDAY;
    }
}
