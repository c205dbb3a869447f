package io.diffexit.backbones.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The sinusoidal time embedding of DDPM/U-ViT ({@code timestep_embedding} in baofff/U-ViT libs/uvit.py), in U-ViT's
 * <b>[cos, sin]</b> order: for k = 0..half-1, {@code freq_k = exp(-ln(maxPeriod) k / half)}, {@code args = t freq_k},
 * output {@code [cos(args), sin(args)]}, with one zero column appended when the width is odd.
 *
 * <p>The frequencies are built once (in the given long-lived manager); {@link #embed} costs four native ops.
 */
public final class SinusoidalTimeEmbedding {

  /** The period of the slowest frequency used by DDPM, U-ViT and most diffusion code. */
  public static final double DEFAULT_MAX_PERIOD = 10000.0;

  private final int dim;
  private final NDArray frequencies; // (1, half)

  /**
   * @param manager long-lived manager that owns the constant frequency row (its device must be the inputs' device)
   * @param dim embedding width, at least 2
   * @param maxPeriod period of the slowest frequency, e.g. {@link #DEFAULT_MAX_PERIOD}
   */
  public SinusoidalTimeEmbedding(NDManager manager, int dim, double maxPeriod) {
    if (dim < 2) {
      throw new IllegalArgumentException("sinusoidal time embedding: width must be at least 2, got " + dim);
    }
    if (!(maxPeriod > 1.0) || !Double.isFinite(maxPeriod)) {
      throw new IllegalArgumentException("sinusoidal time embedding: max period must be finite and > 1, got " + maxPeriod);
    }
    this.dim = dim;
    int half = dim / 2;
    float[] freqs = new float[half];
    for (int k = 0; k < half; k++) {
      freqs[k] = (float) Math.exp(-Math.log(maxPeriod) * k / half);
    }
    this.frequencies = manager.create(freqs, new Shape(1, half));
  }

  /** @return the embedding width */
  public int dim() {
    return dim;
  }

  /**
   * @param t time per sample, shape (B), any numeric type (converted to float32)
   * @return the embedding, shape (B, dim), float32, owned by {@code t}'s manager
   */
  public NDArray embed(NDArray t) {
    if (t.getShape().dimension() != 1) {
      throw new IllegalArgumentException(
          "sinusoidal time embedding: time must have shape (B), got " + t.getShape());
    }
    NDArray tf = t.getDataType() == DataType.FLOAT32 ? t : t.toType(DataType.FLOAT32, false);
    NDArray args = tf.reshape(-1, 1).mul(frequencies);
    NDList parts = new NDList(args.cos(), args.sin());
    if (dim % 2 == 1) {
      parts.add(t.getManager().zeros(new Shape(t.getShape().get(0), 1), DataType.FLOAT32, t.getDevice()));
    }
    return NDArrays.concat(parts, 1);
  }
}
