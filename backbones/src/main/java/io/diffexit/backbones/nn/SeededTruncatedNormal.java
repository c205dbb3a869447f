package io.diffexit.backbones.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.initializer.Initializer;
import java.util.Random;

/**
 * Normal(0, std²) truncated to [lower, upper] by resampling, drawn from a Java {@link Random} so that initialisation
 * depends only on the seed and the order of parameters (not on the engine's global RNG state).
 *
 * <p>timm's {@code trunc_normal_(w, std=.02)}, which U-ViT uses, truncates at the <i>absolute</i> bounds [-2, 2];
 * {@link #timm(double, Random)} reproduces that (at std .02 it is a plain normal in practice).
 */
public final class SeededTruncatedNormal implements Initializer {

  private final double std;
  private final double lower;
  private final double upper;
  private final Random random;

  /**
   * @param std standard deviation before truncation, &gt; 0
   * @param lower lower bound (absolute value, not in units of std)
   * @param upper upper bound, &gt; lower
   * @param random the shared seeded source; parameters initialised in a fixed order get fixed values
   */
  public SeededTruncatedNormal(double std, double lower, double upper, Random random) {
    if (!(std > 0) || !(upper > lower) || lower > 0 || upper < 0) {
      throw new IllegalArgumentException(
          "truncated normal: need std > 0 and lower <= 0 <= upper, lower < upper; got std="
              + std + ", [" + lower + ", " + upper + "]");
    }
    this.std = std;
    this.lower = lower;
    this.upper = upper;
    this.random = random;
  }

  /** @return timm's {@code trunc_normal_(std=std)}: bounds at the absolute values ±2 */
  public static SeededTruncatedNormal timm(double std, Random random) {
    return new SeededTruncatedNormal(std, -2.0, 2.0, random);
  }

  @Override
  public NDArray initialize(NDManager manager, Shape shape, DataType dataType) {
    long n = shape.size();
    if (n > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("truncated normal: parameter of shape " + shape + " is too large");
    }
    float[] values = new float[(int) n];
    for (int i = 0; i < values.length; i++) {
      double v;
      do {
        v = random.nextGaussian() * std;
      } while (v < lower || v > upper);
      values[i] = (float) v;
    }
    // manager.create(float[]) wraps a Java direct buffer (torch::from_blob); clone it into torch-owned memory so the
    // parameter never depends on that buffer (toType(.., copy=true) does not copy on PyTorch when the type is equal)
    try (NDArray wrapped = manager.create(values, shape)) {
      NDArray owned = wrapped.duplicate();
      return dataType == DataType.FLOAT32 ? owned : owned.toType(dataType, false);
    }
  }
}
