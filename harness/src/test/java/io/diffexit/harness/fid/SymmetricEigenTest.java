package io.diffexit.harness.fid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.Random;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.RealMatrix;
import org.junit.jupiter.api.Test;

class SymmetricEigenTest {

  static double[][] randomSymmetric(int d, long seed) {
    Random r = new Random(seed);
    double[][] a = new double[d][d];
    for (int i = 0; i < d; i++) {
      for (int j = i; j < d; j++) {
        a[i][j] = r.nextGaussian();
        a[j][i] = a[i][j];
      }
    }
    return a;
  }

  @Test
  void jacobiAgreesWithCommonsMathAndReconstructsTheMatrix() {
    double[][] a = randomSymmetric(12, 5);
    SymmetricEigen j = SymmetricEigen.jacobi(a);
    double[] mine = j.values().clone();
    double[] ref = new EigenDecomposition(new Array2DRowRealMatrix(a)).getRealEigenvalues().clone();
    Arrays.sort(mine);
    Arrays.sort(ref);
    for (int i = 0; i < mine.length; i++) {
      assertThat(mine[i]).isCloseTo(ref[i], within(1e-10));
    }
    RealMatrix v = j.vectors();
    RealMatrix back = v.multiply(new Array2DRowRealMatrix(diag(j.values()))).multiply(v.transpose());
    for (int r = 0; r < 12; r++) {
      for (int c = 0; c < 12; c++) {
        assertThat(back.getEntry(r, c)).isCloseTo(a[r][c], within(1e-10));
      }
    }
  }

  @Test
  void jacobiHandlesClustersOfEqualEigenvalues() {
    // ε·I plus a rank-3 part: 37 equal eigenvalues, the shape of an offset rank-deficient covariance
    int d = 40;
    Random r = new Random(2);
    double[][] u = new double[d][3];
    for (double[] row : u) {
      for (int k = 0; k < 3; k++) {
        row[k] = r.nextGaussian();
      }
    }
    RealMatrix um = new Array2DRowRealMatrix(u);
    double[][] a = um.multiply(um.transpose()).getData();
    for (int i = 0; i < d; i++) {
      a[i][i] += 1e-6;
    }
    double[] l = SymmetricEigen.jacobi(a).values().clone();
    Arrays.sort(l);
    for (int i = 0; i < d - 3; i++) {
      assertThat(l[i]).isCloseTo(1e-6, within(1e-12));
    }
    double trace = 0;
    for (int i = 0; i < d; i++) {
      trace += a[i][i];
    }
    assertThat(Arrays.stream(l).sum()).isCloseTo(trace, within(1e-9 * trace));
  }

  static double[][] diag(double[] x) {
    double[][] m = new double[x.length][x.length];
    for (int i = 0; i < x.length; i++) {
      m[i][i] = x[i];
    }
    return m;
  }
}
