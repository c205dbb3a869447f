package io.diffexit.harness.fid;

import java.util.Objects;

/**
 * Gaussian statistics of features, as pytorch-fid stores them: {@code mu = mean(act, 0)} and
 * {@code sigma = np.cov(act, rowvar=False)}, i.e. the <em>unbiased</em> covariance (divisor n − 1), in double
 * precision.
 *
 * @param mu the mean, length d
 * @param sigma the covariance, d × d, symmetric
 * @param count n, the number of samples the statistics were computed from (0 when unknown, e.g. a foreign .npz)
 */
public record FeatureStats(double[] mu, double[][] sigma, long count) {

  public FeatureStats {
    Objects.requireNonNull(mu, "mu");
    Objects.requireNonNull(sigma, "sigma");
    if (sigma.length != mu.length) {
      throw new IllegalArgumentException(
          "statistics: sigma is " + sigma.length + "x? but mu has " + mu.length + " entries; they must be d and dxd");
    }
    for (double[] row : sigma) {
      if (row.length != mu.length) {
        throw new IllegalArgumentException(
            "statistics: sigma has a row of " + row.length + " entries, expected " + mu.length);
      }
    }
  }

  /** @return the feature dimension d */
  public int dimension() {
    return mu.length;
  }

  /**
   * Mean and unbiased covariance, computed in two passes (mean first, then centered products) in double precision.
   *
   * @throws IllegalArgumentException for fewer than 2 samples or a non-finite feature
   */
  public static FeatureStats of(Features f) {
    f.requireUsable(2, "FID");
    int n = f.count();
    int d = f.dimension();
    float[] x = f.data();
    double[] mu = new double[d];
    for (int i = 0; i < n; i++) {
      int off = i * d;
      for (int k = 0; k < d; k++) {
        mu[k] += x[off + k];
      }
    }
    for (int k = 0; k < d; k++) {
      mu[k] /= n;
    }
    double[][] s = new double[d][d];
    double[] c = new double[d];
    for (int i = 0; i < n; i++) {
      int off = i * d;
      for (int k = 0; k < d; k++) {
        c[k] = x[off + k] - mu[k];
      }
      for (int a = 0; a < d; a++) {
        double ca = c[a];
        double[] row = s[a];
        for (int b = a; b < d; b++) {
          row[b] += ca * c[b];
        }
      }
    }
    for (int a = 0; a < d; a++) {
      for (int b = a; b < d; b++) {
        s[a][b] /= n - 1;
        s[b][a] = s[a][b];
      }
    }
    return new FeatureStats(mu, s, n);
  }

  /** @throws IllegalArgumentException naming {@code label} when mu or sigma holds NaN or an infinity */
  public FeatureStats requireFinite(String label) {
    for (int k = 0; k < mu.length; k++) {
      if (!Double.isFinite(mu[k])) {
        throw new IllegalArgumentException("statistics of " + label + ": mu[" + k + "] is " + mu[k]);
      }
      for (int j = 0; j < mu.length; j++) {
        if (!Double.isFinite(sigma[k][j])) {
          throw new IllegalArgumentException(
              "statistics of " + label + ": sigma[" + k + "][" + j + "] is " + sigma[k][j]);
        }
      }
    }
    return this;
  }

  /** Relative asymmetry a covariance may show from rounding (numpy's cov of float32 features stays far below). */
  static final double SYMMETRY_TOLERANCE = 1e-6;

  /**
   * @throws IllegalArgumentException naming {@code label} and the worst pair when sigma is not symmetric (beyond
   *     {@value #SYMMETRY_TOLERANCE} of its largest diagonal entry): it is then no covariance matrix
   */
  public FeatureStats requireSymmetric(String label) {
    double scale = 0;
    for (int k = 0; k < mu.length; k++) {
      scale = Math.max(scale, Math.abs(sigma[k][k]));
    }
    double worst = 0;
    int wi = 0;
    int wj = 0;
    for (int i = 0; i < mu.length; i++) {
      for (int j = i + 1; j < mu.length; j++) {
        double gap = Math.abs(sigma[i][j] - sigma[j][i]);
        if (gap > worst) {
          worst = gap;
          wi = i;
          wj = j;
        }
      }
    }
    if (worst > SYMMETRY_TOLERANCE * Math.max(scale, Double.MIN_NORMAL)) {
      throw new IllegalArgumentException("statistics of " + label + ": sigma is not symmetric (sigma[" + wi + "]["
          + wj + "] = " + sigma[wi][wj] + " but sigma[" + wj + "][" + wi + "] = " + sigma[wj][wi]
          + "), so it is no covariance matrix; recompute the statistics (diffexit fid-stats)");
    }
    return this;
  }
}
