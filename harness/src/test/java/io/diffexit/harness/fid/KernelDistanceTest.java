package io.diffexit.harness.fid;

import static io.diffexit.harness.fid.FrechetDistanceTest.expected;
import static io.diffexit.harness.fid.FrechetDistanceTest.fixtureFeatures;
import static io.diffexit.harness.fid.FrechetDistanceTest.gaussian;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class KernelDistanceTest {

  static Features head(Features f, int n) {
    return new Features(Arrays.copyOf(f.data(), n * f.dimension()), n, f.dimension(), f.label() + "[:" + n + "]");
  }

  @Test
  void oneSubsetOfAllRowsMatchesTheIndependentNumpyValue() throws IOException {
    // with m = n on both sides the subset is a permutation, to which the unbiased MMD² is invariant
    Features a = head(fixtureFeatures("features_a.npy"), 200);
    Features b = head(fixtureFeatures("features_b.npy"), 200);
    double ref = expected().get("kid_a200_b200").asDouble();
    KernelDistance.Estimate e = KernelDistance.compute(a, b, 1, 1000, 7);
    assertThat(e.subsetSize()).isEqualTo(200);
    assertThat(e.mean()).isCloseTo(ref, within(1e-9 * Math.abs(ref)));
    assertThat(e.std()).isZero();
    double self = expected().get("kid_a200_a200").asDouble();
    assertThat(KernelDistance.compute(a, a, 1, 200, 3).mean()).isCloseTo(self, within(1e-9 * Math.abs(self)));
  }

  @Test
  void twoSamplesOfOneDistributionHaveKidNearZeroAndAShiftedOneAPositiveKid() {
    Features x = gaussian(600, 8, 1, 0);
    Features y = gaussian(600, 8, 2, 0);
    Features shifted = gaussian(600, 8, 3, 0.5);
    KernelDistance.Estimate same = KernelDistance.compute(x, y, 20, 300, 0);
    KernelDistance.Estimate far = KernelDistance.compute(x, shifted, 20, 300, 0);
    assertThat(Math.abs(same.mean())).isLessThan(3 * same.std() + 1e-3);
    assertThat(far.mean()).isGreaterThan(10 * Math.abs(same.mean())).isGreaterThan(5 * far.std());
  }

  @Test
  void shiftedSetsHaveTheKidOfTheLinearAndHigherKernelTerms() {
    // two point masses: x = 0, y = s·1 in d dims → k(x,x)=1, k(y,y)=(s²+1)³, k(x,y)=1; MMD² = (s²+1)³ − 1
    int d = 4;
    float s = 0.5f;
    float[] zeros = new float[10 * d];
    float[] ones = new float[10 * d];
    Arrays.fill(ones, s);
    KernelDistance.Estimate e = KernelDistance.compute(
        new Features(zeros, 10, d, "zeros"), new Features(ones, 10, d, "shift"), 3, 10, 0);
    assertThat(e.mean()).isCloseTo(Math.pow(s * s + 1, 3) - 1, within(1e-12));
  }

  @Test
  void sameSeedGivesTheSameEstimate() {
    Features x = gaussian(300, 5, 1, 0);
    Features y = gaussian(300, 5, 2, 0.2);
    assertThat(KernelDistance.compute(x, y, 5, 100, 42)).isEqualTo(KernelDistance.compute(x, y, 5, 100, 42));
  }

  @Test
  void differentDimensionsAreRefused() {
    assertThatThrownBy(() -> KernelDistance.compute(gaussian(10, 3, 1, 0), gaussian(10, 4, 1, 0), 2, 5, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("KID: feature dimensions differ: gaussian-1 has d=3, gaussian-1 has d=4; both sides must come "
            + "from the same feature extractor");
  }

  @Test
  void fewerThanTwoSamplesAreRefused() {
    assertThatThrownBy(() -> KernelDistance.compute(gaussian(1, 3, 1, 0), gaussian(10, 3, 1, 0), 2, 5, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("KID needs at least 2 samples per side; gaussian-1 has 1");
  }

  @Test
  void onlyTheRowsTheSubsetsDrawAreNeededAndGiveTheSameKid() {
    Features x = gaussian(300, 6, 1, 0);
    Features y = gaussian(500, 6, 2, 0.3);
    // 4 subsets of 50 rows from 300: some rows are never drawn
    boolean[] drawn = KernelDistance.rowsDrawn(300, 500, 4, 50, 11);
    float[][] rows = new float[300][];
    int used = 0;
    for (int i = 0; i < 300; i++) {
      if (drawn[i]) {
        rows[i] = Arrays.copyOfRange(x.data(), i * 6, (i + 1) * 6);
        used++;
      }
    }
    assertThat(used).isBetween(50, 199);
    KernelDistance.Estimate all = KernelDistance.compute(x, y, 4, 50, 11);
    KernelDistance.Estimate sparse = KernelDistance.compute(rows, "shards", y, 4, 50, 11);
    assertThat(sparse).isEqualTo(all);
    // with subsets as large as the side, every row is drawn
    boolean[] every = KernelDistance.rowsDrawn(40, 500, 2, 1000, 0);
    assertThat(every).doesNotContain(false);
    int missing = 0;
    while (!drawn[missing]) {
      missing++;
    }
    rows[missing] = null;
    int row = missing;
    assertThatThrownBy(() -> KernelDistance.compute(rows, "shards", y, 4, 50, 11))
        .hasMessage("KID: shards sample " + row + " is drawn by a subset but its features are missing");
  }
}
