package org.openwallet.bench;

import java.util.random.RandomGenerator;

/**
 * Ranks 0..n-1 drawn with probability proportional to {@code 1 / (rank + 1)^exponent}: with
 * exponent 1.0 the hottest of 10,000 accounts takes about a tenth of all draws, the ten hottest
 * about 30%, as in the hot-account comparisons of TigerBeetle and PostgreSQL ledgers. Exponent 0 is
 * the uniform distribution.
 *
 * <p>The cumulative distribution is computed once (n doubles) and each draw is a binary search in
 * it: exact for any exponent, O(log n) per draw, and free of the approximations of rejection
 * samplers. Immutable, so one instance serves every load thread.
 */
final class ZipfDistribution {
    /** Ranks at most: the table is 8 bytes a rank. */
    static final int MAX_SIZE = 10_000_000;

    private final double[] cumulative;
    private final double exponent;

    ZipfDistribution(int size, double exponent) {
        if (size < 1 || size > MAX_SIZE) {
            throw new IllegalArgumentException("size must be between 1 and " + MAX_SIZE + ", not " + size);
        }
        if (!(exponent >= 0) || Double.isInfinite(exponent)) {
            throw new IllegalArgumentException("exponent must be a finite number of at least 0, not " + exponent);
        }
        this.exponent = exponent;
        this.cumulative = new double[size];
        double sum = 0;
        for (int rank = 0; rank < size; rank++) {
            sum += Math.pow(rank + 1, -exponent);
            cumulative[rank] = sum;
        }
        for (int rank = 0; rank < size; rank++) {
            cumulative[rank] /= sum;
        }
        // Rounding may leave the last entry a hair below 1; a draw of 0.9999999999 must still land.
        cumulative[size - 1] = 1.0;
    }

    int size() {
        return cumulative.length;
    }

    double exponent() {
        return exponent;
    }

    /** The probability of {@code rank}. */
    double probability(int rank) {
        return rank == 0 ? cumulative[0] : cumulative[rank] - cumulative[rank - 1];
    }

    int sample(RandomGenerator random) {
        return sample(random.nextDouble());
    }

    /** The rank whose share of [0, 1) holds {@code uniform}: the first whose cumulative probability exceeds it. */
    int sample(double uniform) {
        if (!(uniform >= 0 && uniform < 1)) {
            throw new IllegalArgumentException("uniform must be in [0, 1), not " + uniform);
        }
        int low = 0;
        int high = cumulative.length - 1;
        while (low < high) {
            int middle = (low + high) >>> 1;
            if (cumulative[middle] > uniform) {
                high = middle;
            } else {
                low = middle + 1;
            }
        }
        return low;
    }
}
