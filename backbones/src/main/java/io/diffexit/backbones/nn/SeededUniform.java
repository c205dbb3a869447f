package io.diffexit.backbones.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.initializer.Initializer;
import java.util.Random;

/**
 * Uniform(-bound, bound) drawn from a Java {@link Random}. With {@code bound = 1/sqrt(fan_in)} it is PyTorch's default
 * initialisation of {@code nn.Conv2d}/{@code nn.Linear} weights (kaiming_uniform with a=√5) and biases, which U-ViT
 * keeps for its convolutions.
 */
public final class SeededUniform implements Initializer {

  private final double bound;
  private final Random random;

  /**
   * @param bound half-width of the interval, &gt; 0
   * @param random the shared seeded source
   */
  public SeededUniform(double bound, Random random) {
    if (!(bound > 0) || !Double.isFinite(bound)) {
      throw new IllegalArgumentException("uniform initializer: bound must be finite and > 0, got " + bound);
    }
    this.bound = bound;
    this.random = random;
  }

  /** @return PyTorch's default for a layer with this fan-in: Uniform(±1/sqrt(fanIn)) */
  public static SeededUniform torchDefault(long fanIn, Random random) {
    if (fanIn < 1) {
      throw new IllegalArgumentException("uniform initializer: fan-in must be >= 1, got " + fanIn);
    }
    return new SeededUniform(1.0 / Math.sqrt(fanIn), random);
  }

  @Override
  public NDArray initialize(NDManager manager, Shape shape, DataType dataType) {
    long n = shape.size();
    if (n > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("uniform initializer: parameter of shape " + shape + " is too large");
    }
    float[] values = new float[(int) n];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) ((random.nextDouble() * 2.0 - 1.0) * bound);
    }
    // manager.create(float[]) wraps a Java direct buffer (torch::from_blob); clone it into torch-owned memory so the
    // parameter never depends on that buffer (toType(.., copy=true) does not copy on PyTorch when the type is equal)
    try (NDArray wrapped = manager.create(values, shape)) {
      NDArray owned = wrapped.duplicate();
      return dataType == DataType.FLOAT32 ? owned : owned.toType(dataType, false);
    }
  }
}
