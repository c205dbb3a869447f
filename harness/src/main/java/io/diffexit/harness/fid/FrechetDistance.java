package io.diffexit.harness.fid;

import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.RealMatrix;

/**
 * The Fréchet distance between two Gaussians, as pytorch-fid v0.3.0 computes it:
 * d² = ‖μ1 − μ2‖² + Tr Σ1 + Tr Σ2 − 2 Tr sqrtm(Σ1 Σ2), in double precision.
 *
 * <p><b>Tr sqrtm(Σ1 Σ2)</b> without a complex matrix square root: Σ1 Σ2 is similar to the symmetric positive
 * semidefinite matrix M = Σ1^½ Σ2 Σ1^½, so Tr sqrtm(Σ1 Σ2) = Σ_k √μ_k over M's eigenvalues μ_k. Σ1^½ comes from the
 * symmetric eigendecomposition Σ1 = V Λ Vᵀ as V Λ^½ Vᵀ; a second symmetric eigendecomposition gives the μ_k (Apache
 * Commons Math 3.6.1 {@link org.apache.commons.math3.linear.EigenDecomposition}, with a Jacobi fallback where it fails
 * to converge: {@link SymmetricEigen}). Rounding can make tiny eigenvalues negative; they count as 0.
 *
 * <p><b>Singular product, and the offset.</b> pytorch-fid adds ε·I (ε = {@value #OFFSET}) to both covariances when
 * scipy's {@code sqrtm(Σ1 Σ2)} is not finite, which its README attributes to covariances that are not full rank (fewer
 * samples than dimensions). Here the product is <em>singular</em> when Σ1 or Σ2 is numerically rank-deficient — its
 * smallest eigenvalue is at most d · 2⁻⁵² · its largest (or the largest is 0) — or when the square-root trace is not
 * finite. Then Tr sqrtm is computed from (Σ1 + εI)(Σ2 + εI) while the two trace terms keep the original Σ1, Σ2, exactly
 * as in pytorch-fid's fallback. Full-rank statistics (the normal case: more samples than feature dimensions) never take
 * this path.
 *
 * <p><b>Not real.</b> pytorch-fid raises {@code ValueError("Imaginary component {m}")} when the square root has an
 * imaginary part above 10⁻³. The equivalent here: an eigenvalue λ &lt; 0 of Σ1, Σ2 or M whose square root would have
 * imaginary magnitude √−λ above {@value #IMAGINARY_TOLERANCE}. That only happens when a "covariance" is not positive
 * semidefinite, e.g. a damaged statistics file; the error names the magnitude.
 */
public final class FrechetDistance {

  /** pytorch-fid's diagonal offset for a singular product. */
  public static final double OFFSET = 1e-6;
  /** pytorch-fid's tolerance on the imaginary part of the square root. */
  public static final double IMAGINARY_TOLERANCE = 1e-3;

  /**
   * @param value the squared Fréchet distance (what everyone calls FID)
   * @param offsetApplied whether the product was singular and ε·I was added (see the class comment)
   * @param traceSqrt Tr sqrtm(Σ1 Σ2) as used in the value
   */
  public record Computation(double value, boolean offsetApplied, double traceSqrt) {}

  private FrechetDistance() {}

  /** @return the FID value; see {@link #compute} */
  public static double of(FeatureStats a, FeatureStats b) {
    return compute(a, "first", b, "second").value();
  }

  /**
   * @param labelA,labelB names of the two sides for error messages
   * @throws IllegalArgumentException for different dimensions, non-finite statistics or a result that is not real
   */
  public static Computation compute(FeatureStats a, String labelA, FeatureStats b, String labelB) {
    if (a.dimension() != b.dimension()) {
      throw new IllegalArgumentException("FID: feature dimensions differ: " + labelA + " has d=" + a.dimension() + ", "
          + labelB + " has d=" + b.dimension() + "; both sides must come from the same feature extractor");
    }
    a.requireFinite(labelA).requireSymmetric(labelA);
    b.requireFinite(labelB).requireSymmetric(labelB);
    int d = a.dimension();
    double diff2 = 0;
    double tr1 = 0;
    double tr2 = 0;
    for (int k = 0; k < d; k++) {
      double diff = a.mu()[k] - b.mu()[k];
      diff2 += diff * diff;
      tr1 += a.sigma()[k][k];
      tr2 += b.sigma()[k][k];
    }
    RealMatrix s1 = symmetric(a.sigma(), 0);
    RealMatrix s2 = symmetric(b.sigma(), 0);
    SymmetricEigen e1 = SymmetricEigen.of(s1);
    double[] l1 = e1.values();
    double[] l2 = SymmetricEigen.of(s2).values();
    requireRealRoot(l1, "sigma of " + labelA + " has");
    requireRealRoot(l2, "sigma of " + labelB + " has");
    boolean singular = rankDeficient(l1) || rankDeficient(l2);
    double t = Double.NaN;
    if (!singular) {
      t = traceSqrtProduct(e1, s2);
      singular = !Double.isFinite(t);
    }
    if (singular) {
      RealMatrix o1 = symmetric(a.sigma(), OFFSET);
      RealMatrix o2 = symmetric(b.sigma(), OFFSET);
      t = traceSqrtProduct(SymmetricEigen.of(o1), o2);
      if (!Double.isFinite(t)) {
        throw new IllegalArgumentException("FID: Tr sqrtm(sigma1 sigma2) of " + labelA + " and " + labelB
            + " is not finite even with the " + OFFSET + " offset; the statistics are out of range");
      }
    }
    return new Computation(diff2 + tr1 + tr2 - 2 * t, singular, t);
  }

  /** Σ_k √max(μ_k, 0) over the eigenvalues of Σ1^½ Σ2 Σ1^½, with Σ1 given by its eigendecomposition. */
  private static double traceSqrtProduct(SymmetricEigen e1, RealMatrix s2) {
    double[] l = e1.values();
    RealMatrix v = e1.vectors();
    int d = l.length;
    RealMatrix vs = v.copy();
    for (int j = 0; j < d; j++) {
      double r = Math.sqrt(Math.max(l[j], 0));
      for (int i = 0; i < d; i++) {
        vs.multiplyEntry(i, j, r);
      }
    }
    RealMatrix root = vs.multiply(v.transpose()); // Σ1^½ = V Λ^½ Vᵀ
    RealMatrix m = root.multiply(s2).multiply(root);
    double[][] md = m.getData();
    for (int i = 0; i < d; i++) {
      for (int j = i + 1; j < d; j++) {
        double avg = 0.5 * (md[i][j] + md[j][i]);
        md[i][j] = avg;
        md[j][i] = avg;
      }
      if (!Double.isFinite(md[i][i])) {
        return Double.NaN;
      }
    }
    double[] mu = SymmetricEigen.of(new Array2DRowRealMatrix(md, false)).values();
    requireRealRoot(mu, "sigma1^1/2 sigma2 sigma1^1/2 has");
    double t = 0;
    for (double x : mu) {
      t += Math.sqrt(Math.max(x, 0));
    }
    return t;
  }

  private static void requireRealRoot(double[] eigenvalues, String what) {
    double min = Double.POSITIVE_INFINITY;
    for (double x : eigenvalues) {
      min = Math.min(min, x);
    }
    if (min < 0 && Math.sqrt(-min) > IMAGINARY_TOLERANCE) {
      throw new IllegalArgumentException(String.format(
          "FID: Imaginary component %.6g: %s eigenvalue %.6g < 0, so it is not a covariance matrix "
              + "(positive semidefinite); recompute the statistics", Math.sqrt(-min), what, min));
    }
  }

  /** Numerically rank-deficient: λ_min ≤ d·2⁻⁵²·λ_max, or λ_max ≤ 0. */
  static boolean rankDeficient(double[] eigenvalues) {
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (double x : eigenvalues) {
      min = Math.min(min, x);
      max = Math.max(max, x);
    }
    return max <= 0 || min <= eigenvalues.length * Math.ulp(1.0) * max;
  }

  /** (S + Sᵀ)/2 + offset·I, so rounding asymmetry never sends Commons Math to its non-symmetric solver. */
  private static RealMatrix symmetric(double[][] s, double offset) {
    int d = s.length;
    double[][] out = new double[d][d];
    for (int i = 0; i < d; i++) {
      for (int j = 0; j < d; j++) {
        out[i][j] = 0.5 * (s[i][j] + s[j][i]);
      }
      out[i][i] += offset;
    }
    return new Array2DRowRealMatrix(out, false);
  }
}
