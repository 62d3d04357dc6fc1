package org.openwallet.bank;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How the bank behaves, changeable while it runs ({@code POST /admin/config}). Immutable: a change
 * builds a new one, and every decision reads one snapshot. Each setting has a bound, checked here.
 *
 * @param mode                       how long a transfer takes: a fixed delay, or 1 to 3 business days
 * @param delayMillis                in {@link Mode#FIXED_DELAY}, from acceptance to the outcome
 * @param businessDaysMin            in {@link Mode#BUSINESS_DAYS}, the fewest business days a transfer takes
 * @param businessDaysMax            ... and the most; each transfer draws a number in between
 * @param failureRate                the fraction of transfers (0 to 1) that fail or are returned at random
 * @param duplicateWebhooks          deliver every webhook twice (same event_id)
 * @param outOfOrder                 hold webhooks and deliver each full window in a shuffled order
 * @param outOfOrderWindow           how many webhooks are held before a window is shuffled and released
 * @param outOfOrderMaxHoldMillis    a window not full after this long is released anyway
 * @param webhookUrl                 where events go; null holds them until one is set
 * @param webhookRetryInitialMillis  the wait after the first failed attempt; it doubles after each failure ...
 * @param webhookRetryMaxMillis      ... up to this
 * @param webhookMaxAttempts         attempts per delivery before the bank gives up on it
 * @param webhookTimeoutMillis       how long one attempt may take (connect and response)
 */
record BankConfig(
        Mode mode,
        long delayMillis,
        int businessDaysMin,
        int businessDaysMax,
        double failureRate,
        boolean duplicateWebhooks,
        boolean outOfOrder,
        int outOfOrderWindow,
        long outOfOrderMaxHoldMillis,
        URI webhookUrl,
        long webhookRetryInitialMillis,
        long webhookRetryMaxMillis,
        int webhookMaxAttempts,
        long webhookTimeoutMillis) {

    static final long MAX_DELAY_MILLIS = 7L * 24 * 3600 * 1000;
    static final int MAX_BUSINESS_DAYS = 10;
    static final int MAX_OUT_OF_ORDER_WINDOW = 1000;
    static final long MAX_HOLD_MILLIS = 10L * 60 * 1000;
    static final long MAX_RETRY_MILLIS = 3600L * 1000;
    static final int MAX_ATTEMPTS = 1_000_000;
    static final long MAX_TIMEOUT_MILLIS = 60_000;

    /** How long transfers take. */
    enum Mode {
        FIXED_DELAY("fixed_delay"),
        BUSINESS_DAYS("business_days");

        private final String wireName;

        Mode(String wireName) {
            this.wireName = wireName;
        }

        String wireName() {
            return wireName;
        }

        static Mode fromWire(String text) {
            for (Mode mode : values()) {
                if (mode.wireName.equals(text)) {
                    return mode;
                }
            }
            throw new IllegalArgumentException("mode must be \"fixed_delay\" or \"business_days\", not " + text);
        }
    }

    /**
     * The defaults: 2 s to settle, no failures, webhooks retried from 0.5 s doubling to 30 s and
     * abandoned after 10,000 attempts (about three and a half days at 30 s, when real banks stop too).
     */
    static BankConfig defaults() {
        return new BankConfig(
                Mode.FIXED_DELAY, 2000, 1, 3, 0.0, false, false, 5, 5000, null, 500, 30_000, 10_000, 5000);
    }

    BankConfig {
        check(delayMillis, 0, MAX_DELAY_MILLIS, "delay_millis");
        check(businessDaysMin, 1, MAX_BUSINESS_DAYS, "business_days_min");
        check(businessDaysMax, businessDaysMin, MAX_BUSINESS_DAYS, "business_days_max (at least business_days_min)");
        if (!(failureRate >= 0 && failureRate <= 1)) {
            throw new IllegalArgumentException("failure_rate must be from 0 to 1, not " + failureRate);
        }
        check(outOfOrderWindow, 2, MAX_OUT_OF_ORDER_WINDOW, "out_of_order_window");
        check(outOfOrderMaxHoldMillis, 0, MAX_HOLD_MILLIS, "out_of_order_max_hold_millis");
        if (webhookUrl != null && !("http".equals(webhookUrl.getScheme()) || "https".equals(webhookUrl.getScheme()))
                || webhookUrl != null && webhookUrl.getHost() == null) {
            throw new IllegalArgumentException("webhook_url must be an absolute http or https URL, not " + webhookUrl);
        }
        check(webhookRetryInitialMillis, 1, MAX_RETRY_MILLIS, "webhook_retry_initial_millis");
        check(
                webhookRetryMaxMillis,
                webhookRetryInitialMillis,
                MAX_RETRY_MILLIS,
                "webhook_retry_max_millis (at least webhook_retry_initial_millis)");
        check(webhookMaxAttempts, 1, MAX_ATTEMPTS, "webhook_max_attempts");
        check(webhookTimeoutMillis, 100, MAX_TIMEOUT_MILLIS, "webhook_timeout_millis");
    }

    /**
     * This configuration with the settings named in {@code changes} (a JSON object, snake_case keys)
     * replaced; the others kept. Throws IllegalArgumentException for an unknown or out-of-range setting.
     */
    BankConfig with(Map<String, Object> changes) {
        Mode mode = this.mode;
        long delayMillis = this.delayMillis;
        int businessDaysMin = this.businessDaysMin;
        int businessDaysMax = this.businessDaysMax;
        double failureRate = this.failureRate;
        boolean duplicateWebhooks = this.duplicateWebhooks;
        boolean outOfOrder = this.outOfOrder;
        int outOfOrderWindow = this.outOfOrderWindow;
        long outOfOrderMaxHoldMillis = this.outOfOrderMaxHoldMillis;
        URI webhookUrl = this.webhookUrl;
        long webhookRetryInitialMillis = this.webhookRetryInitialMillis;
        long webhookRetryMaxMillis = this.webhookRetryMaxMillis;
        int webhookMaxAttempts = this.webhookMaxAttempts;
        long webhookTimeoutMillis = this.webhookTimeoutMillis;
        for (Map.Entry<String, Object> change : changes.entrySet()) {
            Object value = change.getValue();
            switch (change.getKey()) {
                case "mode" -> mode = Mode.fromWire(string(value, "mode"));
                case "delay_millis" -> delayMillis = integer(value, "delay_millis");
                case "business_days_min" -> businessDaysMin = smallInteger(value, "business_days_min");
                case "business_days_max" -> businessDaysMax = smallInteger(value, "business_days_max");
                case "failure_rate" -> failureRate = decimal(value, "failure_rate");
                case "duplicate_webhooks" -> duplicateWebhooks = bool(value, "duplicate_webhooks");
                case "out_of_order" -> outOfOrder = bool(value, "out_of_order");
                case "out_of_order_window" -> outOfOrderWindow = smallInteger(value, "out_of_order_window");
                case "out_of_order_max_hold_millis" ->
                    outOfOrderMaxHoldMillis = integer(value, "out_of_order_max_hold_millis");
                case "webhook_url" -> webhookUrl = value == null ? null : uri(string(value, "webhook_url"));
                case "webhook_retry_initial_millis" ->
                    webhookRetryInitialMillis = integer(value, "webhook_retry_initial_millis");
                case "webhook_retry_max_millis" -> webhookRetryMaxMillis = integer(value, "webhook_retry_max_millis");
                case "webhook_max_attempts" -> webhookMaxAttempts = smallInteger(value, "webhook_max_attempts");
                case "webhook_timeout_millis" -> webhookTimeoutMillis = integer(value, "webhook_timeout_millis");
                default -> throw new IllegalArgumentException("Unknown setting " + change.getKey());
            }
        }
        return new BankConfig(
                mode,
                delayMillis,
                businessDaysMin,
                businessDaysMax,
                failureRate,
                duplicateWebhooks,
                outOfOrder,
                outOfOrderWindow,
                outOfOrderMaxHoldMillis,
                webhookUrl,
                webhookRetryInitialMillis,
                webhookRetryMaxMillis,
                webhookMaxAttempts,
                webhookTimeoutMillis);
    }

    Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("mode", mode.wireName());
        json.put("delay_millis", delayMillis);
        json.put("business_days_min", businessDaysMin);
        json.put("business_days_max", businessDaysMax);
        json.put("failure_rate", failureRate);
        json.put("duplicate_webhooks", duplicateWebhooks);
        json.put("out_of_order", outOfOrder);
        json.put("out_of_order_window", outOfOrderWindow);
        json.put("out_of_order_max_hold_millis", outOfOrderMaxHoldMillis);
        json.put("webhook_url", webhookUrl == null ? null : webhookUrl.toString());
        json.put("webhook_retry_initial_millis", webhookRetryInitialMillis);
        json.put("webhook_retry_max_millis", webhookRetryMaxMillis);
        json.put("webhook_max_attempts", webhookMaxAttempts);
        json.put("webhook_timeout_millis", webhookTimeoutMillis);
        return json;
    }

    static URI uri(String text) {
        try {
            return new URI(text);
        } catch (URISyntaxException invalid) {
            throw new IllegalArgumentException("webhook_url is not a URL: " + text);
        }
    }

    private static void check(long value, long min, long max, String name) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " must be from " + min + " to " + max + ", not " + value);
        }
    }

    private static String string(Object value, String name) {
        if (!(value instanceof String text)) {
            throw new IllegalArgumentException(name + " must be a string");
        }
        return text;
    }

    private static boolean bool(Object value, String name) {
        if (!(value instanceof Boolean flag)) {
            throw new IllegalArgumentException(name + " must be true or false");
        }
        return flag;
    }

    private static long integer(Object value, String name) {
        if (value instanceof Integer || value instanceof Long) {
            return ((Number) value).longValue();
        }
        if (value instanceof BigInteger big && big.bitLength() < 63) {
            return big.longValue();
        }
        throw new IllegalArgumentException(name + " must be a whole number");
    }

    private static int smallInteger(Object value, String name) {
        long number = integer(value, name);
        if (number != (int) number) {
            throw new IllegalArgumentException(name + " is out of range: " + number);
        }
        return (int) number;
    }

    private static double decimal(Object value, String name) {
        if (value instanceof Integer
                || value instanceof Long
                || value instanceof BigDecimal
                || value instanceof Double) {
            return ((Number) value).doubleValue();
        }
        throw new IllegalArgumentException(name + " must be a number");
    }
}
