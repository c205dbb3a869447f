package io.diffexit.strategies;

import ai.djl.ndarray.NDArray;

/**
 * U-ViT's sinusoidal timestep embedding, {@code [cos(t·f_k), sin(t·f_k)]} with {@code f_k = exp(−ln(10000)·k/half)},
 * k = 0..half−1, computed from the model time (the discrete timestep index as a float, see
 * {@link io.diffexit.api.NoiseSchedule#modelTime(double)}).
 */
public final class TimeEmbedding {

  private TimeEmbedding() {}

  /**
   * @param features a width to match
   * @return the embedding width used alongside it: {@code features} rounded up to an even number
   */
  public static int widthFor(long features) {
    return (int) (features + (features & 1));
  }

  /**
   * @param modelTime (B) float32
   * @param dim the embedding width, even
   * @return (B, dim) in modelTime's manager
   */
  public static NDArray sinusoidal(NDArray modelTime, int dim) {
    if (dim <= 0 || dim % 2 != 0) {
      throw new IllegalArgumentException("a sinusoidal time embedding needs a positive even width, got " + dim);
    }
    int half = dim / 2;
    float[] freqs = new float[half];
    for (int k = 0; k < half; k++) {
      freqs[k] = (float) Math.exp(-Math.log(10000.0) * k / half);
    }
    long b = modelTime.getShape().get(0);
    NDArray args = modelTime.reshape(b, 1).mul(modelTime.getManager().create(freqs).reshape(1, half));
    return args.cos().concat(args.sin(), 1);
  }
}
