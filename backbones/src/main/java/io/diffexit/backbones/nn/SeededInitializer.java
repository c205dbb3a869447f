package io.diffexit.backbones.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.initializer.Initializer;
import java.util.Arrays;
import java.util.Random;
import java.util.SplittableRandom;

/**
 * Initial values drawn in Java, never from the engine's global random state, so that a backbone built with the same
 * seed is bit-identical whatever ran before it. Two ways to seed, one per backbone:
 *
 * <ul>
 *   <li>{@link #named}: a private stream per parameter, seeded from the backbone seed and the parameter's name (the
 *       U-Net): a parameter's values do not depend on which parameters come before it;
 *   <li>{@link #uniform}, {@link #truncatedNormal} and their presets: one shared {@link Random} that parameters draw
 *       from in initialisation order (the U-ViT, as PyTorch's one global generator does).
 * </ul>
 *
 * <p>The values are copied into engine-owned memory ({@link #torchOwned}); FLOAT32 is drawn and other types converted.
 */
public final class SeededInitializer implements Initializer {

  /** The three initialisations DDPM uses, for {@link #named} and {@link ParameterSink}. */
  public enum Kind {
    /** Glorot uniform with fan average (DDPM's {@code default_init(1.0)}): U(±sqrt(6 / (fanIn + fanOut))) */
    XAVIER,
    /** all zeros (biases, GroupNorm shifts, and DDPM's zero-initialised last layers) */
    ZEROS,
    /** all ones (GroupNorm scales) */
    ONES
  }

  /** Fills one parameter's values, in row-major order. */
  @FunctionalInterface
  private interface Draw {
    void fill(float[] values);
  }

  private final String what;
  private final Draw draw;

  private SeededInitializer(String what, Draw draw) {
    this.what = what;
    this.draw = draw;
  }

  /**
   * A per-parameter stream: the same (seed, name) gives the same values on every call.
   *
   * @param kind which initialisation
   * @param seed the backbone seed
   * @param name the parameter's unique name, mixed into the seed
   * @param fanIn fan-in, for {@link Kind#XAVIER}
   * @param fanOut fan-out, for {@link Kind#XAVIER}
   */
  public static SeededInitializer named(Kind kind, long seed, String name, long fanIn, long fanOut) {
    return switch (kind) {
      case ZEROS -> new SeededInitializer("zeros", values -> {});
      case ONES -> new SeededInitializer("ones", values -> Arrays.fill(values, 1f));
      case XAVIER -> {
        if (fanIn + fanOut < 1) {
          throw new IllegalArgumentException(
              "xavier initializer for '" + name + "': fan-in + fan-out must be >= 1, got " + fanIn + " + " + fanOut);
        }
        double bound = Math.sqrt(6.0 / (fanIn + fanOut));
        long mixed = mix(seed, name);
        yield new SeededInitializer("xavier uniform", values -> {
          SplittableRandom random = new SplittableRandom(mixed);
          for (int i = 0; i < values.length; i++) {
            values[i] = (float) ((2 * random.nextDouble() - 1) * bound);
          }
        });
      }
    };
  }

  /**
   * Uniform(-bound, bound) from the shared source.
   *
   * @param bound half-width of the interval, &gt; 0
   * @param random the shared seeded source; parameters initialised in a fixed order get fixed values
   */
  public static SeededInitializer uniform(double bound, Random random) {
    if (!(bound > 0) || !Double.isFinite(bound)) {
      throw new IllegalArgumentException("uniform initializer: bound must be finite and > 0, got " + bound);
    }
    return new SeededInitializer("uniform initializer", values -> {
      for (int i = 0; i < values.length; i++) {
        values[i] = (float) ((random.nextDouble() * 2.0 - 1.0) * bound);
      }
    });
  }

  /**
   * PyTorch's default initialisation of {@code nn.Conv2d}/{@code nn.Linear} weights (kaiming_uniform with a=√5) and
   * biases, which U-ViT keeps for its convolutions: Uniform(±1/sqrt(fanIn)).
   *
   * @param fanIn the layer's fan-in, &gt;= 1
   * @param random the shared seeded source
   */
  public static SeededInitializer torchDefaultUniform(long fanIn, Random random) {
    if (fanIn < 1) {
      throw new IllegalArgumentException("uniform initializer: fan-in must be >= 1, got " + fanIn);
    }
    return uniform(1.0 / Math.sqrt(fanIn), random);
  }

  /**
   * Normal(0, std²) truncated to [lower, upper] by resampling, from the shared source.
   *
   * @param std standard deviation before truncation, &gt; 0
   * @param lower lower bound (absolute value, not in units of std), &lt;= 0
   * @param upper upper bound, &gt;= 0 and &gt; lower
   * @param random the shared seeded source
   */
  public static SeededInitializer truncatedNormal(double std, double lower, double upper, Random random) {
    if (!(std > 0) || !(upper > lower) || lower > 0 || upper < 0) {
      throw new IllegalArgumentException(
          "truncated normal: need std > 0 and lower <= 0 <= upper, lower < upper; got std="
              + std + ", [" + lower + ", " + upper + "]");
    }
    return new SeededInitializer("truncated normal", values -> {
      for (int i = 0; i < values.length; i++) {
        double v;
        do {
          v = random.nextGaussian() * std;
        } while (v < lower || v > upper);
        values[i] = (float) v;
      }
    });
  }

  /**
   * timm's {@code trunc_normal_(w, std=std)}, which U-ViT uses: truncated at the <i>absolute</i> bounds [-2, 2] (at std
   * .02 a plain normal in practice).
   */
  public static SeededInitializer timmTruncatedNormal(double std, Random random) {
    return truncatedNormal(std, -2.0, 2.0, random);
  }

  @Override
  public NDArray initialize(NDManager manager, Shape shape, DataType dataType) {
    long n = shape.size();
    if (n > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(what + ": parameter of shape " + shape + " is too large");
    }
    float[] values = new float[(int) n];
    draw.fill(values);
    NDArray owned = torchOwned(manager.create(values, shape));
    if (dataType == DataType.FLOAT32) {
      return owned;
    }
    NDArray converted = owned.toType(dataType, false);
    owned.close();
    return converted;
  }

  /**
   * @return a copy in memory allocated by the engine, detached from autograd; {@code created} is closed. DJL's
   *     PyTorch {@code create(float[])} wraps a Java direct buffer (from_blob); a view that outlives that array reads
   *     freed memory (seen here as NaN in the time embedding), so long-lived parameters and constants never depend on
   *     such a buffer.
   */
  public static NDArray torchOwned(NDArray created) {
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
