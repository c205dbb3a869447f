package io.diffexit.backbones.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.initializer.Initializer;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Initial values drawn in Java from a seed derived from the backbone seed and the parameter's name, so that a backbone
 * built with the same seed is bit-identical regardless of the engine's global random state (which this never touches).
 */
final class SeededInitializer implements Initializer {

  /** The three initialisations DDPM uses. */
  enum Kind {
    /** Glorot uniform with fan average (DDPM's {@code default_init(1.0)}): U(±sqrt(6 / (fanIn + fanOut))) */
    XAVIER,
    /** all zeros (biases, GroupNorm shifts, and DDPM's zero-initialised last layers) */
    ZEROS,
    /** all ones (GroupNorm scales) */
    ONES
  }

  private final Kind kind;
  private final long seed;
  private final long fanIn;
  private final long fanOut;

  SeededInitializer(Kind kind, long seed, String name, long fanIn, long fanOut) {
    this.kind = kind;
    this.seed = mix(seed, name);
    this.fanIn = fanIn;
    this.fanOut = fanOut;
  }

  @Override
  public NDArray initialize(NDManager manager, Shape shape, DataType dataType) {
    if (dataType != DataType.FLOAT32) {
      throw new IllegalArgumentException(UNetConfig.OWNER + ": only FLOAT32 parameters are supported, got " + dataType);
    }
    float[] values = new float[Math.toIntExact(shape.size())];
    switch (kind) {
      case ONES -> Arrays.fill(values, 1f);
      case ZEROS -> {}
      case XAVIER -> {
        double bound = Math.sqrt(6.0 / (fanIn + fanOut));
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < values.length; i++) {
          values[i] = (float) ((2 * random.nextDouble() - 1) * bound);
        }
      }
    }
    return torchOwned(manager.create(values, shape));
  }

  /**
   * @return a copy in memory allocated by the engine, detached from autograd. DJL's PyTorch {@code create(float[])}
   *     wraps a Java direct buffer (from_blob); a view that outlives that array reads freed memory (seen here as NaN in
   *     the time embedding), so long-lived parameters and constants never depend on such a buffer.
   */
  static NDArray torchOwned(NDArray created) {
    NDArray copy = created.duplicate();
    created.close();
    return copy;
  }

  private static long mix(long seed, String name) {
    long h = seed * 0x9E3779B97F4A7C15L;
    for (int i = 0; i < name.length(); i++) {
      h = (h ^ name.charAt(i)) * 0xBF58476D1CE4E5B9L;
      h ^= h >>> 31;
    }
    return h;
  }
}
