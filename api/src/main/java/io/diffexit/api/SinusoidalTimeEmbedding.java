package io.diffexit.api;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The sinusoidal embedding of the model time ({@link NoiseSchedule#modelTime(double)}) used by DDPM and U-ViT
 * ({@code timestep_embedding} in baofff/U-ViT libs/uvit.py), in U-ViT's <b>[cos, sin]</b> order: for k = 0..half-1,
 * {@code freq_k = exp(-ln(maxPeriod) k / half)}, {@code args = t freq_k}, output {@code [cos(args), sin(args)]}, with
 * one zero column appended when the width is odd.
 *
 * <p>It is the one implementation for backbones (the U-ViT's time token, the U-Net's time MLP input) and strategies
 * (DeeDiff's time-aware UEM), so their time conditioning cannot drift apart. An instance builds its frequency row once
 * per device, in the long-lived manager it was given, and {@link #embed(NDArray)} then costs four native ops;
 * {@link #embed(NDArray, int)} builds the row in the input's manager for a one-off call. Thread-safe.
 */
public final class SinusoidalTimeEmbedding {

  /** The period of the slowest frequency used by DDPM, U-ViT and most diffusion code. */
  public static final double DEFAULT_MAX_PERIOD = 10000.0;

  private final NDManager manager;
  private final int dim;
  private final float[] frequencies;
  private final Map<Device, NDArray> rows = new ConcurrentHashMap<>();

  /** As {@link #SinusoidalTimeEmbedding(NDManager, int, double)} with {@link #DEFAULT_MAX_PERIOD}. */
  public SinusoidalTimeEmbedding(NDManager manager, int dim) {
    this(manager, dim, DEFAULT_MAX_PERIOD);
  }

  /**
   * @param manager long-lived manager under which the constant frequency rows are kept (one sub-manager per device,
   *     closed with it)
   * @param dim embedding width, at least 2
   * @param maxPeriod period of the slowest frequency, e.g. {@link #DEFAULT_MAX_PERIOD}
   */
  public SinusoidalTimeEmbedding(NDManager manager, int dim, double maxPeriod) {
    this.manager = manager;
    this.dim = dim;
    this.frequencies = frequencies(dim, maxPeriod);
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
    checkTime(t);
    NDArray row =
        rows.computeIfAbsent(
            t.getDevice(),
            device -> {
              NDManager onDevice = manager.newSubManager(device);
              // create() wraps a Java buffer (torch::from_blob); keep a copy in torch-owned memory instead
              try (NDArray wrapped = onDevice.create(frequencies, new Shape(1, frequencies.length))) {
                return wrapped.duplicate();
              }
            });
    return embed(t, row, dim);
  }

  /**
   * A one-off embedding with {@link #DEFAULT_MAX_PERIOD}, whose frequency row is built in {@code t}'s manager.
   *
   * @param t time per sample, shape (B), any numeric type (converted to float32)
   * @param dim embedding width, at least 2
   * @return the embedding, shape (B, dim), float32, owned by {@code t}'s manager
   */
  public static NDArray embed(NDArray t, int dim) {
    float[] freqs = frequencies(dim, DEFAULT_MAX_PERIOD);
    checkTime(t);
    return embed(t, t.getManager().create(freqs, new Shape(1, freqs.length)), dim);
  }

  private static NDArray embed(NDArray t, NDArray row, int dim) {
    long b = t.getShape().get(0);
    NDArray tf = t.getDataType() == DataType.FLOAT32 ? t : t.toType(DataType.FLOAT32, false);
    // explicit sizes instead of -1, so that an empty batch (every sample exited) still reshapes
    NDArray args = tf.reshape(b, 1).mul(row);
    NDList parts = new NDList(args.cos(), args.sin());
    if (dim % 2 == 1) {
      parts.add(t.getManager().zeros(new Shape(b, 1), DataType.FLOAT32, t.getDevice()));
    }
    return NDArrays.concat(parts, 1);
  }

  private static float[] frequencies(int dim, double maxPeriod) {
    if (dim < 2) {
      throw new IllegalArgumentException("sinusoidal time embedding: width must be at least 2, got " + dim);
    }
    if (!(maxPeriod > 1.0) || !Double.isFinite(maxPeriod)) {
      throw new IllegalArgumentException(
          "sinusoidal time embedding: max period must be finite and > 1, got " + maxPeriod);
    }
    int half = dim / 2;
    float[] freqs = new float[half];
    for (int k = 0; k < half; k++) {
      freqs[k] = (float) Math.exp(-Math.log(maxPeriod) * k / half);
    }
    return freqs;
  }

  private static void checkTime(NDArray t) {
    if (t.getShape().dimension() != 1) {
      throw new IllegalArgumentException("sinusoidal time embedding: time must have shape (B), got " + t.getShape());
    }
  }
}
