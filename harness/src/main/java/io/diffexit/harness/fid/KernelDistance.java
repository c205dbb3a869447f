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
    return estimate(rows(a), b, subsets, maxSubsetSize, seed);
  }

  /**
   * KID from the rows of one side that its subsets draw, as {@link #compute(Features, Features, int, int, long)}
   * computes it from all of them (the same subsets, so the same value): for sides whose features were computed in
   * shards elsewhere, which ship only the rows {@link #rowsDrawn} names.
   *
   * @param rowsA one entry per sample of side a: its features where drawn, otherwise null
   * @param labelA names side a in error messages
   * @throws IllegalArgumentException for different dimensions, fewer than 2 rows, a drawn row that is missing or
   *     non-finite, or bad settings
   */
  public static Estimate compute(float[][] rowsA, String labelA, Features b, int subsets, int maxSubsetSize,
      long seed) {
    if (subsets < 1 || maxSubsetSize < 2) {
      throw new IllegalArgumentException(
          "KID: need at least 1 subset of at least 2 samples, got " + subsets + " subsets of " + maxSubsetSize);
    }
    if (rowsA.length < 2) {
      throw new IllegalArgumentException("KID needs at least 2 samples per side; " + labelA + " has " + rowsA.length);
    }
    b.requireUsable(2, "KID");
    boolean[] drawn = rowsDrawn(rowsA.length, b.count(), subsets, maxSubsetSize, seed);
    double[][] ra = new double[rowsA.length][];
    for (int i = 0; i < rowsA.length; i++) {
      if (!drawn[i]) {
        continue;
      }
      float[] r = rowsA[i];
      if (r == null || r.length != b.dimension()) {
        throw new IllegalArgumentException("KID: " + labelA + " sample " + i + " is drawn by a subset but its "
            + (r == null ? "features are missing" : "features have d=" + r.length + ", " + b.label() + " d="
            + b.dimension()));
      }
      ra[i] = new double[r.length];
      for (int k = 0; k < r.length; k++) {
        if (!Float.isFinite(r[k])) {
          throw new IllegalArgumentException("features of " + labelA + " contain " + r[k] + " (sample " + i
              + ", feature " + k + "); check the images and the feature extractor");
        }
        ra[i][k] = r[k];
      }
    }
    return estimate(ra, b, subsets, maxSubsetSize, seed);
  }

  /**
   * @return which rows of side a (of {@code countA}) the subsets of a KID estimate draw; the rest are never read
   */
  public static boolean[] rowsDrawn(int countA, int countB, int subsets, int maxSubsetSize, long seed) {
    int m = Math.min(maxSubsetSize, Math.min(countA, countB));
    boolean[] drawn = new boolean[countA];
    Random rng = new Random(seed);
    for (int s = 0; s < subsets; s++) {
      for (int i : sample(rng, countA, m)) {
        drawn[i] = true;
      }
      sample(rng, countB, m); // side b's draw, to stay in step with estimate()
    }
    return drawn;
  }

  /** The estimate over subsets; rows of side a that no subset draws may be null. */
  private static Estimate estimate(double[][] ra, Features b, int subsets, int maxSubsetSize, long seed) {
    int countA = ra.length;
    int d = b.dimension();
    int m = Math.min(maxSubsetSize, Math.min(countA, b.count()));
    double[][] rb = rows(b);
    Random rng = new Random(seed);
    double[] mmd = new double[subsets];
    double[][] x = new double[m][];
    double[][] y = new double[m][];
    for (int s = 0; s < subsets; s++) {
      int[] ia = sample(rng, countA, m);
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
