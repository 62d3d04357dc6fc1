package org.openwallet.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The Zipf sampler of {@code ./wallet bench}'s hot-account scenarios. */
class ZipfDistributionTest {
    private static final int DRAWS = 2_000_000;

    @Test
    void probabilities_withExponentOne_fallAsOneOverRank_andSumToOne() {
        ZipfDistribution zipf = new ZipfDistribution(10_000, 1.0);
        double harmonic = 0;
        for (int k = 1; k <= 10_000; k++) {
            harmonic += 1.0 / k;
        }

        assertThat(zipf.probability(0)).isCloseTo(1 / harmonic, within(1e-12));
        assertThat(zipf.probability(9)).isCloseTo(1 / (10 * harmonic), within(1e-12));
        assertThat(zipf.probability(0) / zipf.probability(1)).isCloseTo(2.0, within(1e-9));
        double sum = 0;
        for (int rank = 0; rank < zipf.size(); rank++) {
            sum += zipf.probability(rank);
        }
        assertThat(sum).isCloseTo(1.0, within(1e-9));
    }

    @Test
    void samples_withExponentOne_matchTheProbabilities() {
        ZipfDistribution zipf = new ZipfDistribution(1_000, 1.0);
        long[] counts = draw(zipf);

        for (int rank : new int[] {0, 1, 2, 9, 99, 999}) {
            double expected = zipf.probability(rank) * DRAWS;
            // Five standard deviations of a binomial count: a correct sampler fails this about never.
            assertThat((double) counts[rank])
                    .as("rank %d", rank)
                    .isCloseTo(expected, within(5 * Math.sqrt(expected) + 1));
        }
    }

    @Test
    void samples_withExponentZero_areUniform() {
        ZipfDistribution uniform = new ZipfDistribution(50, 0.0);
        long[] counts = draw(uniform);

        double expected = (double) DRAWS / 50;
        for (int rank = 0; rank < 50; rank++) {
            assertThat(uniform.probability(rank)).isCloseTo(1.0 / 50, within(1e-12));
            assertThat((double) counts[rank]).as("rank %d", rank).isCloseTo(expected, within(5 * Math.sqrt(expected)));
        }
    }

    @Test
    void sample_atTheEdgesOfEachRanksShare_landsOnTheRightRank() {
        ZipfDistribution zipf = new ZipfDistribution(4, 1.0);
        double first = zipf.probability(0);

        assertThat(zipf.sample(0.0)).isZero();
        assertThat(zipf.sample(Math.nextDown(first))).isZero();
        assertThat(zipf.sample(first)).isEqualTo(1);
        assertThat(zipf.sample(Math.nextDown(1.0))).isEqualTo(3);
        assertThat(new ZipfDistribution(1, 1.0).sample(0.5)).isZero();
    }

    @Test
    void invalidArguments_areRefused() {
        assertThatThrownBy(() -> new ZipfDistribution(0, 1.0)).hasMessageContaining("size");
        assertThatThrownBy(() -> new ZipfDistribution(ZipfDistribution.MAX_SIZE + 1, 1.0))
                .hasMessageContaining("size");
        assertThatThrownBy(() -> new ZipfDistribution(10, -0.5)).hasMessageContaining("exponent");
        assertThatThrownBy(() -> new ZipfDistribution(10, Double.NaN)).hasMessageContaining("exponent");
        assertThatThrownBy(() -> new ZipfDistribution(10, 1.0).sample(1.0)).hasMessageContaining("[0, 1)");
        assertThatThrownBy(() -> new ZipfDistribution(10, 1.0).sample(-0.1)).hasMessageContaining("[0, 1)");
    }

    @Test
    void hotAccounts_areShuffled_andPayersCoverEveryUser() {
        TransferLoad.Accounts accounts = TransferLoad.zipf(1_000, 1.0);
        SplittableRandom random = new SplittableRandom(3);
        long[] counts = new long[1_000];
        for (int i = 0; i < DRAWS; i++) {
            counts[accounts.next(random)]++;
        }
        int hottest = 0;
        for (int user = 1; user < counts.length; user++) {
            hottest = counts[user] > counts[hottest] ? user : hottest;
        }

        assertThat(counts[hottest]).isGreaterThan(DRAWS / 10);
        assertThat(hottest)
                .as("the hottest account is not simply the first user")
                .isNotZero();
        assertThat(java.util.Arrays.stream(counts).min().orElseThrow())
                .as("draws of the coldest user")
                .isPositive();
    }

    private static long[] draw(ZipfDistribution zipf) {
        SplittableRandom random = new SplittableRandom(42);
        long[] counts = new long[zipf.size()];
        for (int i = 0; i < DRAWS; i++) {
            counts[zipf.sample(random)]++;
        }
        return counts;
    }
}
