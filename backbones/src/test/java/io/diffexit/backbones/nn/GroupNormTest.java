package io.diffexit.backbones.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class GroupNormTest {

  @Test
  void normalisesEachGroupOfEachSampleThenAppliesThePerChannelAffine() {
    // one sample, 4 channels of 1x2 pixels, 2 groups:
    // group 0 = channels 0,1 = [1, 3, 5, 7]: mean 4, biased variance (9+1+1+9)/4 = 5
    // group 1 = channels 2,3 = [2, 2, 2, 10]: mean 4, biased variance (4+4+4+36)/4 = 12
    try (NDManager m = NDManager.newBaseManager();
        DeviceConstants k = new DeviceConstants(m)) {
      NDArray x = m.create(new float[] {1, 3, 5, 7, 2, 2, 2, 10}, new Shape(1, 4, 1, 2));
      NDArray gamma = m.create(new float[] {1, 2, 0.5f, -1}, new Shape(1, 4, 1, 1));
      NDArray beta = m.create(new float[] {0, 1, 0, 0.5f}, new Shape(1, 4, 1, 1));
      float[] y = GroupNorm.normalize(x, 2, gamma, beta, k).toFloatArray();
      double s5 = Math.sqrt(5);
      double s12 = Math.sqrt(12);
      double[] expected = {
        -3 / s5, -1 / s5, // channel 0: γ 1, β 0
        2 * (1 / s5) + 1, 2 * (3 / s5) + 1, // channel 1: γ 2, β 1
        0.5 * (-2 / s12), 0.5 * (-2 / s12), // channel 2: γ 0.5
        -1 * (-2 / s12) + 0.5, -1 * (6 / s12) + 0.5 // channel 3: γ -1, β 0.5
      };
      for (int i = 0; i < y.length; i++) {
        assertThat((double) y[i]).as("element %d", i).isCloseTo(expected[i], within(1e-5));
      }
      assertThat(y[0]).isCloseTo(-1.341641f, within(1e-5f));
      assertThat(y[7]).isCloseTo(-1.232051f, within(1e-5f));
    }
  }

  @Test
  void matchesADirectLoopOnALargerBatchWithSamplesNormalisedIndependently() {
    int b = 3;
    int c = 6;
    int g = 3;
    int h = 4;
    int w = 5;
    SplittableRandom r = new SplittableRandom(11);
    float[] v = new float[b * c * h * w];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (r.nextDouble() * 10 - 3 + (i / (c * h * w)) * 7); // each sample has its own offset
    }
    float[] gam = new float[c];
    float[] bet = new float[c];
    for (int i = 0; i < c; i++) {
      gam[i] = (float) (r.nextDouble() + 0.5);
      bet[i] = (float) (r.nextDouble() - 0.5);
    }
    double[] expected = new double[v.length];
    int per = c / g * h * w;
    for (int s = 0; s < b; s++) {
      for (int grp = 0; grp < g; grp++) {
        int start = s * c * h * w + grp * per;
        double mean = 0;
        for (int i = 0; i < per; i++) {
          mean += v[start + i];
        }
        mean /= per;
        double var = 0;
        for (int i = 0; i < per; i++) {
          var += (v[start + i] - mean) * (v[start + i] - mean);
        }
        var /= per;
        for (int i = 0; i < per; i++) {
          int channel = grp * (c / g) + i / (h * w);
          expected[start + i] = (v[start + i] - mean) / Math.sqrt(var + GroupNorm.EPS) * gam[channel] + bet[channel];
        }
      }
    }
    try (NDManager m = NDManager.newBaseManager();
        DeviceConstants k = new DeviceConstants(m)) {
      float[] y =
          GroupNorm.normalize(
                  m.create(v, new Shape(b, c, h, w)),
                  g,
                  m.create(gam, new Shape(1, c, 1, 1)),
                  m.create(bet, new Shape(1, c, 1, 1)),
                  k)
              .toFloatArray();
      for (int i = 0; i < y.length; i++) {
        assertThat((double) y[i]).as("element %d", i).isCloseTo(expected[i], within(1e-4));
      }
    }
  }
}
