package io.diffexit.harness.fid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class FeatureSumsTest {

  @Test
  void mergedShardsGiveTheMeanAndUnbiasedCovarianceByHand() {
    // rows (1,2), (3,4), (5,9): mean (3, 5); deviations (-2,-3), (0,-1), (2,4):
    // var x = (4 + 0 + 4) / 2 = 4, var y = (9 + 1 + 16) / 2 = 13, cov = (6 + 0 + 8) / 2 = 7
    FeatureSums a = FeatureSums.of(new Features(new float[] {1, 2}, 1, 2, "a"));
    FeatureSums b = FeatureSums.of(new Features(new float[] {3, 4, 5, 9}, 2, 2, "b"));
    a.add(b);
    FeatureStats s = a.toStats("merged");
    assertThat(a.count()).isEqualTo(3);
    assertThat(s.mu()).containsExactly(3.0, 5.0);
    assertThat(s.sigma()[0]).containsExactly(4.0, 7.0);
    assertThat(s.sigma()[1]).containsExactly(7.0, 13.0);
    assertThat(s.count()).isEqualTo(3);
  }

  @Test
  void shardsEqualTheTwoPassStatisticsOfAllRows() {
    Features all = FrechetDistanceTest.gaussian(500, 16, 5, 2.0);
    FeatureSums merged = new FeatureSums(16);
    for (int first = 0; first < 500; first += 96) {
      int n = Math.min(96, 500 - first);
      merged.add(FeatureSums.of(new Features(
          Arrays.copyOfRange(all.data(), first * 16, (first + n) * 16), n, 16, "shard")));
    }
    FeatureStats twoPass = FeatureStats.of(all);
    FeatureStats sums = merged.toStats("merged");
    for (int a = 0; a < 16; a++) {
      assertThat(sums.mu()[a]).isCloseTo(twoPass.mu()[a], within(1e-12));
      for (int b = 0; b < 16; b++) {
        assertThat(sums.sigma()[a][b]).isCloseTo(twoPass.sigma()[a][b], within(1e-12));
      }
    }
  }

  @Test
  void tooFewSamplesAndMismatchedDimensionsAreRefused() {
    FeatureSums one = FeatureSums.of(new Features(new float[] {1, 2}, 1, 2, "one"));
    assertThatThrownBy(() -> one.toStats("generated"))
        .hasMessage("FID needs at least 2 samples per side; generated has 1");
    assertThatThrownBy(() -> one.add(new FeatureSums(3)))
        .hasMessage("cannot merge feature sums of dimension 3 into 2");
    assertThatThrownBy(() -> FeatureSums.of(new Features(new float[] {1, Float.NaN}, 1, 2, "bad")))
        .hasMessageStartingWith("features of bad contain NaN (sample 0, feature 1)");
  }
}
