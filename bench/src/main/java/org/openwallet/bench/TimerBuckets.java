package org.openwallet.bench;

import java.util.Arrays;
import java.util.Locale;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One timer's histogram from a Prometheus scrape: the cumulative count at each bucket's upper bound
 * ({@code le}, in seconds), the total count, and the recent maximum. Two scrapes subtracted give what
 * was recorded between them; percentiles interpolate linearly inside a bucket, so their precision is
 * the bucket width (the benchmark asks the wallet for buckets 5 % apart, see {@link #boundariesMicros}).
 *
 * @param upperBoundsSeconds ascending, the last {@code +Inf}
 * @param cumulativeCounts   the count of values at or below each bound
 * @param maxSeconds         the timer's maximum over Micrometer's recent window (a gauge, not a counter)
 */
record TimerBuckets(double[] upperBoundsSeconds, long[] cumulativeCounts, double maxSeconds) {
    /** Bucket bounds of the lag timers: from 0.5 ms to two minutes, each 5 % above the one before. */
    static final long SMALLEST_BOUND_MICROS = 500;

    static final long LARGEST_BOUND_MICROS = 120_000_000;
    static final double BOUND_RATIO = 1.05;

    private static final Pattern SAMPLE = Pattern.compile("^(\\w+?)(_bucket|_count|_max)(\\{[^}]*})?\\s+(\\S+)");
    private static final Pattern LE = Pattern.compile("le=\"([^\"]+)\"");

    /** The bounds to ask for, as a Spring list of durations (Micrometer's service-level objectives). */
    static String boundariesMicros() {
        StringBuilder list = new StringBuilder();
        for (double bound = SMALLEST_BOUND_MICROS;
                bound <= LARGEST_BOUND_MICROS;
                bound = Math.ceil(bound * BOUND_RATIO)) {
            list.append(list.isEmpty() ? "" : ",").append((long) bound).append("us");
        }
        return list.toString();
    }

    /** The timer {@code name} (as Prometheus names it, e.g. {@code wallet_feed_lag_seconds}) in a scrape. */
    static TimerBuckets parse(String scrape, String name) {
        TreeMap<Double, Long> buckets = new TreeMap<>();
        double max = Double.NaN;
        for (String line : scrape.split("\n")) {
            Matcher sample = SAMPLE.matcher(line);
            if (line.startsWith("#") || !sample.find() || !sample.group(1).equals(name)) {
                continue;
            }
            double value = Double.parseDouble(sample.group(4));
            switch (sample.group(2)) {
                case "_bucket" -> {
                    Matcher le = LE.matcher(sample.group(3) == null ? "" : sample.group(3));
                    if (le.find()) {
                        buckets.merge(bound(le.group(1)), (long) value, Long::sum);
                    }
                }
                case "_max" -> max = Double.isNaN(max) ? value : Math.max(max, value);
                default -> {
                    // _count is the +Inf bucket's count.
                }
            }
        }
        if (buckets.isEmpty()) {
            throw new IllegalStateException("the scrape has no histogram buckets of " + name);
        }
        return new TimerBuckets(
                buckets.keySet().stream().mapToDouble(Double::doubleValue).toArray(),
                buckets.values().stream().mapToLong(Long::longValue).toArray(),
                max);
    }

    private static double bound(String le) {
        return le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
    }

    long count() {
        return cumulativeCounts[cumulativeCounts.length - 1];
    }

    /** What was recorded after {@code before} (the same timer, scraped earlier); the maximum stays this scrape's. */
    TimerBuckets minus(TimerBuckets before) {
        if (!Arrays.equals(upperBoundsSeconds, before.upperBoundsSeconds)) {
            throw new IllegalArgumentException("the two scrapes have different buckets");
        }
        long[] counts = new long[cumulativeCounts.length];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = cumulativeCounts[i] - before.cumulativeCounts[i];
        }
        return new TimerBuckets(upperBoundsSeconds, counts, maxSeconds);
    }

    /**
     * The value at {@code quantile} (nearest rank, interpolated inside its bucket) in milliseconds; in
     * the {@code +Inf} bucket it is the maximum. NaN when nothing was recorded.
     */
    double percentileMillis(double quantile) {
        long total = count();
        if (total == 0) {
            return Double.NaN;
        }
        long rank = Math.max(1, (long) Math.ceil(quantile * total));
        for (int i = 0; i < cumulativeCounts.length; i++) {
            if (cumulativeCounts[i] >= rank) {
                if (Double.isInfinite(upperBoundsSeconds[i])) {
                    return maxMillis();
                }
                long below = i == 0 ? 0 : cumulativeCounts[i - 1];
                double lower = i == 0 ? 0 : upperBoundsSeconds[i - 1];
                double inside = (rank - below) / (double) (cumulativeCounts[i] - below);
                return (lower + (upperBoundsSeconds[i] - lower) * inside) * 1e3;
            }
        }
        throw new IllegalStateException("unreachable: the last bucket holds every value");
    }

    /**
     * The largest value recorded, in milliseconds: the upper bound of the highest bucket that holds any,
     * or the timer's recent maximum when that is lower (it lies inside that bucket, or the maximum is
     * older than this interval's values and the bucket's bound is the better figure).
     */
    double maxMillis() {
        for (int i = cumulativeCounts.length - 1; i >= 0; i--) {
            long below = i == 0 ? 0 : cumulativeCounts[i - 1];
            if (cumulativeCounts[i] > below) {
                double bound = upperBoundsSeconds[i];
                return (Double.isNaN(maxSeconds) ? bound : Math.min(bound, maxSeconds)) * 1e3;
            }
        }
        return Double.NaN;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%d values in %d buckets", count(), upperBoundsSeconds.length);
    }
}
