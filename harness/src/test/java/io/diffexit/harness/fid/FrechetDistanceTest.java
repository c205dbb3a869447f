package io.diffexit.harness.fid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FrechetDistanceTest {

  static byte[] resource(String name) throws IOException {
    try (InputStream in = FrechetDistanceTest.class.getResourceAsStream("/fid/" + name)) {
      assertThat(in).as("test resource fid/" + name).isNotNull();
      return in.readAllBytes();
    }
  }

  static Features fixtureFeatures(String name) throws IOException {
    Npy.Array a = Npy.read(resource(name), name);
    assertThat(a.descr()).isEqualTo("<f4");
    float[] f = new float[a.values().length];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) a.values()[i];
    }
    return new Features(f, (int) a.shape()[0], (int) a.shape()[1], name);
  }

  static JsonNode expected() throws IOException {
    return new ObjectMapper().readTree(resource("expected.json"));
  }

  static FeatureStats diagonal(double[] mu, double[] var) {
    double[][] s = new double[mu.length][mu.length];
    for (int i = 0; i < mu.length; i++) {
      s[i][i] = var[i];
    }
    return new FeatureStats(mu, s, 100);
  }

  static Features gaussian(int n, int d, long seed, double shift) {
    Random r = new Random(seed);
    float[] x = new float[n * d];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (r.nextGaussian() * (1 + (i % d) * 0.1) + shift);
    }
    return new Features(x, n, d, "gaussian-" + seed);
  }

  @Test
  void distanceOfStatisticsToThemselvesIsZero() {
    FeatureStats s = FeatureStats.of(gaussian(500, 8, 1, 0));
    FrechetDistance.Computation c = FrechetDistance.compute(s, "a", s, "a");
    assertThat(c.value()).isCloseTo(0.0, within(1e-9));
    assertThat(c.offsetApplied()).isFalse();
  }

  @Test
  void diagonalCovariancesMatchTheClosedForm() {
    double[] mu1 = {0, 1, 2};
    double[] mu2 = {1, 1, 0};
    double[] v1 = {4, 1, 9};
    double[] v2 = {1, 1, 16};
    // FID = |mu1-mu2|^2 + sum (sqrt v1 - sqrt v2)^2 = (1 + 0 + 4) + (1 + 0 + 1) = 7
    double fid = FrechetDistance.of(diagonal(mu1, v1), diagonal(mu2, v2));
    assertThat(fid).isCloseTo(7.0, within(1e-12));
  }

  @Test
  void commutingCovariancesMatchTheClosedFormInARotatedBasis() {
    // Σ1 = Q diag(a) Qᵀ, Σ2 = Q diag(b) Qᵀ commute; FID = |Δμ|² + Σ (√a − √b)²
    int d = 5;
    double[] a = {0.5, 1, 2, 3, 7};
    double[] b = {2, 1, 0.25, 5, 7};
    double[][] q = new org.apache.commons.math3.linear.QRDecomposition(
        new org.apache.commons.math3.linear.Array2DRowRealMatrix(randomMatrix(d, 3))).getQ().getData();
    double[][] s1 = new double[d][d];
    double[][] s2 = new double[d][d];
    for (int i = 0; i < d; i++) {
      for (int j = 0; j < d; j++) {
        for (int k = 0; k < d; k++) {
          s1[i][j] += q[i][k] * a[k] * q[j][k];
          s2[i][j] += q[i][k] * b[k] * q[j][k];
        }
      }
    }
    double[] mu1 = {1, 2, 3, 4, 5};
    double[] mu2 = {1, 2, 3, 4, 3};
    double expected = 4;
    for (int k = 0; k < d; k++) {
      expected += Math.pow(Math.sqrt(a[k]) - Math.sqrt(b[k]), 2);
    }
    double fid = FrechetDistance.of(new FeatureStats(mu1, s1, 10), new FeatureStats(mu2, s2, 10));
    assertThat(fid).isCloseTo(expected, within(1e-10));
  }

  static double[][] randomMatrix(int d, long seed) {
    Random r = new Random(seed);
    double[][] m = new double[d][d];
    for (double[] row : m) {
      for (int j = 0; j < d; j++) {
        row[j] = r.nextGaussian();
      }
    }
    return m;
  }

  @Test
  void distanceIsSymmetric() {
    FeatureStats x = FeatureStats.of(gaussian(300, 6, 1, 0));
    FeatureStats y = FeatureStats.of(gaussian(200, 6, 2, 0.5));
    assertThat(FrechetDistance.of(x, y)).isCloseTo(FrechetDistance.of(y, x), within(1e-10));
  }

  @Test
  void agreesWithPytorchFidAlgorithmOnFixedFeatures() throws IOException {
    JsonNode e = expected();
    FeatureStats a = FeatureStats.of(fixtureFeatures("features_a.npy"));
    FeatureStats b = FeatureStats.of(fixtureFeatures("features_b.npy"));
    FrechetDistance.Computation ab = FrechetDistance.compute(a, "a", b, "b");
    assertThat(ab.offsetApplied()).isFalse();
    assertThat(ab.value()).isCloseTo(e.get("fid_a_b").asDouble(), within(1e-6 * e.get("fid_a_b").asDouble()));
    assertThat(FrechetDistance.of(b, a)).isCloseTo(e.get("fid_b_a").asDouble(), within(1e-6 * 122));
  }

  @Test
  void rankDeficientCovariancesTakeTheOffsetPathLikePytorchFidsFallback() throws IOException {
    JsonNode e = expected();
    Features small = fixtureFeatures("features_small_a.npy");
    FeatureStats a = FeatureStats.of(small);
    FeatureStats b = FeatureStats.of(fixtureFeatures("features_small_b.npy"));
    assertThat(small.count()).isLessThan(small.dimension()); // 10 samples in 16 dimensions: rank 9
    FrechetDistance.Computation c = FrechetDistance.compute(a, "a", b, "b");
    assertThat(c.offsetApplied()).isTrue();
    double ref = e.get("fid_small_offset").asDouble();
    assertThat(c.value()).isCloseTo(ref, within(1e-6 * ref));
  }

  @Test
  void offsetOnDisjointSupportsAddsTheSquareRootOfEpsilonTerms() {
    // Σ1 = diag(1, 0), Σ2 = diag(0, 1): Tr sqrtm((Σ1+εI)(Σ2+εI)) = 2 √((1+ε)ε)
    double eps = FrechetDistance.OFFSET;
    FrechetDistance.Computation c = FrechetDistance.compute(
        diagonal(new double[] {0, 0}, new double[] {1, 0}), "a", diagonal(new double[] {0, 0}, new double[] {0, 1}),
        "b");
    assertThat(c.offsetApplied()).isTrue();
    assertThat(c.value()).isCloseTo(2 - 4 * Math.sqrt((1 + eps) * eps), within(1e-12));
  }

  @Test
  void differentFeatureDimensionsAreRefused() {
    assertThatThrownBy(() -> FrechetDistance.compute(
            FeatureStats.of(gaussian(10, 3, 1, 0)), "A.npz", FeatureStats.of(gaussian(10, 4, 1, 0)), "B.npz"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("FID: feature dimensions differ: A.npz has d=3, B.npz has d=4; both sides must come from the "
            + "same feature extractor");
  }

  @Test
  void fewerThanTwoSamplesAreRefused() {
    assertThatThrownBy(() -> FeatureStats.of(new Features(new float[] {1, 2}, 1, 2, "one.png")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("FID needs at least 2 samples per side; one.png has 1");
  }

  @Test
  void nanFeaturesAreRefusedNamingTheSample() {
    float[] x = {1, 2, 3, Float.NaN, 5, 6};
    assertThatThrownBy(() -> FeatureStats.of(new Features(x, 3, 2, "gen")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("features of gen contain NaN (sample 1, feature 1); check the images and the feature extractor");
  }

  @Test
  void nonCovarianceSigmaIsAnImaginaryComponentError() {
    FeatureStats bad = diagonal(new double[] {0, 0}, new double[] {1, -0.25});
    FeatureStats ok = diagonal(new double[] {0, 0}, new double[] {1, 1});
    assertThatThrownBy(() -> FrechetDistance.compute(bad, "bad.npz", ok, "ok.npz"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("FID: Imaginary component 0.500000: sigma of bad.npz has eigenvalue -0.250000 < 0");
  }

  @Test
  void covarianceIsUnbiased() {
    // x = 1, 2, 3, 4 → mean 2.5, sample variance (N−1) = 5/3
    FeatureStats s = FeatureStats.of(new Features(new float[] {1, 2, 3, 4}, 4, 1, "x"));
    assertThat(s.mu()[0]).isEqualTo(2.5);
    assertThat(s.sigma()[0][0]).isCloseTo(5.0 / 3, within(1e-15));
    assertThat(s.count()).isEqualTo(4);
  }

  @Test
  void aNonSymmetricSigmaIsRefusedNamingTheWorstPair() {
    double[] mu = {0, 0};
    FeatureStats ok = new FeatureStats(mu, new double[][] {{2, 0.5}, {0.5, 1}}, 10);
    FeatureStats skewed = new FeatureStats(mu, new double[][] {{2, 0.5}, {0.1, 1}}, 10);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> FrechetDistance.compute(ok, "generated", skewed, "ref.npz"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("statistics of ref.npz: sigma is not symmetric (sigma[0][1] = 0.5 but sigma[1][0] = 0.1), so it is"
            + " no covariance matrix; recompute the statistics (diffexit fid-stats)");
    // rounding-level asymmetry (1e-9 of the diagonal) is a covariance: FID(ok, itself) = 0
    FeatureStats rounded = new FeatureStats(mu, new double[][] {{2, 0.5}, {0.5 + 2e-9, 1}}, 10);
    org.assertj.core.api.Assertions.assertThat(FrechetDistance.of(ok, rounded))
        .isCloseTo(0.0, org.assertj.core.data.Offset.offset(1e-6));
  }
}
