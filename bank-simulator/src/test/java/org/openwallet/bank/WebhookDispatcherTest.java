package org.openwallet.bank;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class WebhookDispatcherTest {
    @Test
    void backoff_startsAtTheInitialWait_doubles_andStopsAtTheMaximum() {
        BankConfig settings = BankConfig.defaults();
        assertEquals(
                List.of(500L, 1000L, 2000L, 4000L, 8000L, 16000L, 30000L, 30000L),
                IntStream.rangeClosed(1, 8)
                        .mapToObj(attempt -> WebhookDispatcher.backoffMillis(settings, attempt))
                        .toList());
        assertEquals(30000L, WebhookDispatcher.backoffMillis(settings, 1_000_000), "no overflow after many attempts");
    }

    @Test
    void shuffleOutOfOrder_neverLeavesTwoOrMoreItemsInTheirOrder() {
        Random random = new Random(1);
        for (int size = 2; size <= 5; size++) {
            List<Integer> original = IntStream.range(0, size).boxed().toList();
            for (int round = 0; round < 500; round++) {
                List<Integer> items = new ArrayList<>(original);
                WebhookDispatcher.shuffleOutOfOrder(items, random);
                assertNotEquals(original, items);
                assertEquals(original, items.stream().sorted().toList(), "the same items");
            }
        }
    }

    @Test
    void config_refusesUnknownAndOutOfRangeSettings() {
        BankConfig settings = BankConfig.defaults();
        for (Map<String, Object> change : List.<Map<String, Object>>of(
                Map.of("colour", "blue"),
                Map.of("failure_rate", 1.5),
                Map.of("delay_millis", -1),
                Map.of("business_days_min", 4),
                Map.of("out_of_order_window", 1),
                Map.of("webhook_retry_max_millis", 100),
                Map.of("webhook_max_attempts", 0),
                Map.of("webhook_url", "ftp://example.com/hook"),
                Map.of("mode", "instant"),
                Map.of("duplicate_webhooks", "yes"))) {
            org.junit.jupiter.api.Assertions.assertThrows(
                    IllegalArgumentException.class, () -> settings.with(change), change.toString());
        }
    }
}
