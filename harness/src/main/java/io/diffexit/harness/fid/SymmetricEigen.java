package io.diffexit.harness.fid;

import org.apache.commons.math3.exception.MathIllegalStateException;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.RealMatrix;

/**
 * Eigenvalues and eigenvectors of a symmetric matrix. Uses Commons Math's {@link EigenDecomposition} (tridiagonal QL)
 * and, when that gives up — in 3.6.1 its QL step stops after 30 iterations per eigenvalue and throws "convergence
 * failed" on some rank-deficient covariances with clusters of equal eigenvalues — falls back to the cyclic Jacobi method,
 * which always converges for symmetric matrices (slower, O(d³) per sweep, so only as a fallback).
 *
 * @param values the eigenvalues
 * @param vectors the eigenvectors as the columns of V, so that A = V diag(values) Vᵀ
 */
record SymmetricEigen(double[] values, RealMatrix vectors) {

  /** @param a a symmetric matrix (not modified) */
  static SymmetricEigen of(RealMatrix a) {
    try {
      EigenDecomposition e = new EigenDecomposition(a);
      return new SymmetricEigen(e.getRealEigenvalues(), e.getV());
    } catch (MathIllegalStateException e) {
      return jacobi(a.getData());
    }
  }

  /** Cyclic Jacobi rotations until the off-diagonal mass is negligible relative to the whole matrix. */
  static SymmetricEigen jacobi(double[][] m) {
    int d = m.length;
    double[][] a = new double[d][];
    double[][] v = new double[d][d];
    double total = 0;
    for (int i = 0; i < d; i++) {
      a[i] = m[i].clone();
      v[i][i] = 1;
      for (int j = 0; j < d; j++) {
        total += m[i][j] * m[i][j];
      }
    }
    for (int sweep = 0; sweep < 100; sweep++) {
      double off = 0;
      for (int p = 0; p < d; p++) {
        for (int q = p + 1; q < d; q++) {
          off += a[p][q] * a[p][q];
        }
      }
      if (off == 0 || off <= 1e-32 * total) {
        break;
      }
      for (int p = 0; p < d; p++) {
        for (int q = p + 1; q < d; q++) {
          double apq = a[p][q];
          if (apq == 0) {
            continue;
          }
          double theta = (a[q][q] - a[p][p]) / (2 * apq);
          double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
          if (theta == 0) {
            t = 1;
          }
          double c = 1 / Math.sqrt(t * t + 1);
          double s = t * c;
          for (int k = 0; k < d; k++) { // A ← A J (columns p, q)
            double akp = a[k][p];
            double akq = a[k][q];
            a[k][p] = c * akp - s * akq;
            a[k][q] = s * akp + c * akq;
          }
          for (int k = 0; k < d; k++) { // A ← Jᵀ A (rows p, q)
            double apk = a[p][k];
            double aqk = a[q][k];
            a[p][k] = c * apk - s * aqk;
            a[q][k] = s * apk + c * aqk;
          }
          for (int k = 0; k < d; k++) { // V ← V J
            double vkp = v[k][p];
            double vkq = v[k][q];
            v[k][p] = c * vkp - s * vkq;
            v[k][q] = s * vkp + c * vkq;
          }
        }
      }
    }
    double[] values = new double[d];
    for (int i = 0; i < d; i++) {
      values[i] = a[i][i];
    }
    return new SymmetricEigen(values, new Array2DRowRealMatrix(v, false));
  }
}
