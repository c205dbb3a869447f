package io.diffexit.harness.fid;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Sufficient statistics of a set of feature vectors for FID, in float64: the count n, Σf and Σffᵀ. Sums of disjoint
 * sets add, so shards of a run computed on different machines merge into the statistics of the whole run;
 * {@link #toStats} then gives the mean and the unbiased covariance, mu = Σf / n and
 * sigma = (Σffᵀ − n·mu·muᵀ) / (n − 1), which equal {@link FeatureStats#of}'s two-pass result up to rounding.
 *
 * <p>Serializable (plain arrays), so a distributed engine can ship it. Not thread-safe.
 */
public final class FeatureSums implements Serializable {

  private static final long serialVersionUID = 1L;

  private final int dimension;
  private long count;
  private final double[] sum;
  /** Σffᵀ, d × d row-major; only the upper triangle (b >= a) is accumulated until {@link #toStats}. */
  private final double[] products;

  /** @param dimension d, the feature dimension */
  public FeatureSums(int dimension) {
    if (dimension < 1) {
      throw new IllegalArgumentException("feature sums need a dimension of at least 1, got " + dimension);
    }
    this.dimension = dimension;
    this.sum = new double[dimension];
    this.products = new double[Math.multiplyExact(dimension, dimension)];
  }

  /**
   * @return the sums of these features
   * @throws IllegalArgumentException naming the label and the first non-finite value
   */
  public static FeatureSums of(Features features) {
    features.requireUsable(0, "FID");
    FeatureSums s = new FeatureSums(features.dimension());
    s.add(features);
    return s;
  }

  /** Adds every row of {@code features} (the same dimension). */
  public void add(Features features) {
    if (features.dimension() != dimension) {
      throw new IllegalArgumentException("feature sums of dimension " + dimension + " cannot take " + features.label()
          + " of dimension " + features.dimension());
    }
    float[] x = features.data();
    int d = dimension;
    for (int i = 0; i < features.count(); i++) {
      int off = i * d;
      for (int a = 0; a < d; a++) {
        double xa = x[off + a];
        sum[a] += xa;
        int row = a * d;
        for (int b = a; b < d; b++) {
          products[row + b] += xa * x[off + b];
        }
      }
    }
    count += features.count();
  }

  /** Adds another set's sums (a disjoint set of samples, the same dimension). */
  public void add(FeatureSums other) {
    if (other.dimension != dimension) {
      throw new IllegalArgumentException("cannot merge feature sums of dimension " + other.dimension + " into "
          + dimension);
    }
    for (int a = 0; a < dimension; a++) {
      sum[a] += other.sum[a];
    }
    for (int k = 0; k < products.length; k++) {
      products[k] += other.products[k];
    }
    count += other.count;
  }

  /** @return n */
  public long count() {
    return count;
  }

  /** @return d */
  public int dimension() {
    return dimension;
  }

  /** @return a copy of Σf */
  public double[] sum() {
    return sum.clone();
  }

  /**
   * @param label names the samples in the error message
   * @return mean and unbiased covariance
   * @throws IllegalArgumentException for fewer than 2 samples (the message {@link FeatureStats#of} gives)
   */
  public FeatureStats toStats(String label) {
    if (count < 2) {
      throw new IllegalArgumentException("FID needs at least 2 samples per side; " + label + " has " + count);
    }
    int d = dimension;
    double[] mu = new double[d];
    for (int a = 0; a < d; a++) {
      mu[a] = sum[a] / count;
    }
    double[][] sigma = new double[d][d];
    for (int a = 0; a < d; a++) {
      for (int b = a; b < d; b++) {
        double v = (products[a * d + b] - count * mu[a] * mu[b]) / (count - 1);
        sigma[a][b] = v;
        sigma[b][a] = v;
      }
    }
    return new FeatureStats(mu, sigma, count);
  }

  @Override
  public String toString() {
    return "FeatureSums[n=" + count + ", d=" + dimension + ", sum[0..2]=" + Arrays.toString(
        Arrays.copyOf(sum, Math.min(3, dimension))) + "]";
  }
}
