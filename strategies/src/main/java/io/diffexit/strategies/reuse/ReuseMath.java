package io.diffexit.strategies.reuse;

import ai.djl.ndarray.NDArray;
import io.diffexit.api.DecisionMode;
import io.diffexit.api.ExitPoint;

/** Small helpers of the step-reuse strategies. */
final class ReuseMath {

  private ReuseMath() {}

  /** @return the active samples' ids at an exit point, as Java ints (one copy from the engine) */
  static int[] ids(ExitPoint point) {
    long[] v = point.sampleIds().toLongArray();
    int[] out = new int[v.length];
    for (int k = 0; k < v.length; k++) {
      out[k] = (int) v[k];
    }
    return out;
  }

  /**
   * @param values (B, ...) values
   * @param mode per sample: the mean of |values| over each sample; per batch: one mean over the whole tensor, repeated
   * @return B means of the absolute values
   */
  static float[] meanAbs(NDArray values, DecisionMode mode) {
    long b = values.getShape().get(0);
    NDArray abs = values.abs();
    if (mode == DecisionMode.PER_BATCH) {
      float m = abs.mean().getFloat();
      float[] out = new float[(int) b];
      java.util.Arrays.fill(out, m);
      return out;
    }
    return abs.reshape(b, -1).mean(new int[] {1}).toFloatArray();
  }

  /** @return elements per sample of an array (B, ...) */
  static long perSample(NDArray values) {
    return values.getShape().size() / values.getShape().get(0);
  }

  /** @return the ids where {@code flags} is {@code wanted}, in order */
  static int[] where(int[] ids, boolean[] flags, boolean wanted) {
    int n = 0;
    for (boolean f : flags) {
      n += f == wanted ? 1 : 0;
    }
    int[] out = new int[n];
    int j = 0;
    for (int k = 0; k < flags.length; k++) {
      if (flags[k] == wanted) {
        out[j++] = ids[k];
      }
    }
    return out;
  }

  /** @return the rows k of {@code x} where {@code flags[k] == wanted} */
  static NDArray rows(NDArray x, boolean[] flags, boolean wanted) {
    int n = 0;
    for (boolean f : flags) {
      n += f == wanted ? 1 : 0;
    }
    if (n == flags.length) {
      return x;
    }
    long[] index = new long[n];
    int j = 0;
    for (int k = 0; k < flags.length; k++) {
      if (flags[k] == wanted) {
        index[j++] = k;
      }
    }
    return x.get(new ai.djl.ndarray.index.NDIndex("{}", x.getManager().create(index)));
  }

  static int count(boolean[] flags) {
    int n = 0;
    for (boolean f : flags) {
      n += f ? 1 : 0;
    }
    return n;
  }
}
