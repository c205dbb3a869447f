package io.diffexit.harness.fid;

import java.util.Random;

/**
 * KID (Bińkowski et al. 2018), as torch-fidelity and clean-fid compute it: the unbiased estimate of MMD² with the
 * cubic polynomial kernel k(x, y) = (xᵀy / d + 1)³, averaged over random subsets.
 *
 * <p>Per subset, m rows are drawn without replacement from each side (m = min(subset size, n1, n2)) and
 * MMD²ᵤ = [Σ_{i≠j} k(xᵢ,xⱼ) + Σ_{i≠j} k(yᵢ,yⱼ)] / (m(m−1)) − 2 Σ_{i,j} k(xᵢ,yⱼ) / m². The result is the mean over
 * subsets ± their standard deviation (population form, ddof = 0, as torch-fidelity reports {@code kid_std}).
 * Subsets come from a {@link Random} with the given seed, so a run is reproducible. Arithmetic is in double.
 */
public final class KernelDistance {

  /** Default number of subsets. */
  public static final int DEFAULT_SUBSETS = 100;
  /** Default largest subset size. */
  public static final int DEFAULT_SUBSET_SIZE = 1000;

  /**
   * @param mean mean of the per-subset MMD² estimates
   * @param std their standard deviation (ddof = 0)
   * @param subsets number of subsets
   * @param subsetSize m, rows per subset per side
   */
  public record Estimate(double mean, double std, int subsets, int subsetSize) {}

  private KernelDistance() {}

  /**
   * @throws IllegalArgumentException for different dimensions, fewer than 2 rows, non-finite features or bad settings
   */
  public static Estimate compute(Features a, Features b, int subsets, int maxSubsetSize, long seed) {
    if (a.dimension() != b.dimension()) {
      throw new IllegalArgumentException("KID: feature dimensions differ: " + a.label() + " has d=" + a.dimension()
          + ", " + b.label() + " has d=" + b.dimension() + "; both sides must come from the same feature extractor");
    }
    if (subsets < 1 || maxSubsetSize < 2) {
      throw new IllegalArgumentException(
          "KID: need at least 1 subset of at least 2 samples, got " + subsets + " subsets of " + maxSubsetSize);
    }
    a.requireUsable(2, "KID");
    b.requireUsable(2, "KID");
    int d = a.dimension();
    int m = Math.min(maxSubsetSize, Math.min(a.count(), b.count()));
    double[][] ra = rows(a);
    double[][] rb = rows(b);
    Random rng = new Random(seed);
    double[] mmd = new double[subsets];
    double[][] x = new double[m][];
    double[][] y = new double[m][];
    for (int s = 0; s < subsets; s++) {
      int[] ia = sample(rng, a.count(), m);
      int[] ib = sample(rng, b.count(), m);
      for (int i = 0; i < m; i++) {
        x[i] = ra[ia[i]];
        y[i] = rb[ib[i]];
      }
      double kxx = 0;
      double kyy = 0;
      double kxy = 0;
      for (int i = 0; i < m; i++) {
        for (int j = i + 1; j < m; j++) {
          kxx += kernel(x[i], x[j], d);
          kyy += kernel(y[i], y[j], d);
        }
        for (int j = 0; j < m; j++) {
          kxy += kernel(x[i], y[j], d);
        }
      }
      mmd[s] = 2 * (kxx + kyy) / ((double) m * (m - 1)) - 2 * kxy / ((double) m * m);
    }
    double mean = 0;
    for (double v : mmd) {
      mean += v;
    }
    mean /= subsets;
    double var = 0;
    for (double v : mmd) {
      var += (v - mean) * (v - mean);
    }
    return new Estimate(mean, Math.sqrt(var / subsets), subsets, m);
  }

  /** k(x, y) = (xᵀy / d + 1)³ */
  static double kernel(double[] x, double[] y, int d) {
    double dot = 0;
    for (int k = 0; k < d; k++) {
      dot += x[k] * y[k];
    }
    double v = dot / d + 1;
    return v * v * v;
  }

  private static double[][] rows(Features f) {
    double[][] r = new double[f.count()][];
    for (int i = 0; i < r.length; i++) {
      r[i] = f.row(i);
    }
    return r;
  }

  /** m distinct indices of [0, n): a partial Fisher–Yates shuffle. */
  private static int[] sample(Random rng, int n, int m) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    for (int i = 0; i < m; i++) {
      int j = i + rng.nextInt(n - i);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return java.util.Arrays.copyOf(p, m);
  }
}
