package io.diffexit.harness.runner;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.diffexit.api.NoiseSource;
import java.util.SplittableRandom;

/**
 * Gaussian noise that is a pure function of (seed, sample index in the run, stream), generated on the Java side.
 *
 * <p>This is what makes runs paired and batch-independent: the initial x_T of sample i is the same for every strategy,
 * sampler and batch size, and a stochastic sampler's noise at step s for sample i does not depend on the other samples
 * of its batch. Stream 0 is the initial noise; step s uses stream s + 1.
 */
public final class SeededNoise implements NoiseSource {

  private final long seed;
  private final int sampleOffset;

  /**
   * @param seed the run's seed
   * @param sampleOffset index in the run of the first row of every array this source makes
   */
  public SeededNoise(long seed, int sampleOffset) {
    this.seed = seed;
    this.sampleOffset = sampleOffset;
  }

  /** @return the initial noise x_T for rows sampleOffset … sampleOffset + B − 1 */
  public NDArray initial(NDManager manager, Shape shape) {
    return draw(manager, shape, 0);
  }

  @Override
  public NDArray normal(NDManager manager, Shape shape, int step) {
    if (step < 0) {
      throw new IllegalArgumentException("noise requested for negative step " + step);
    }
    return draw(manager, shape, step + 1L);
  }

  private NDArray draw(NDManager manager, Shape shape, long stream) {
    int rows = Math.toIntExact(shape.get(0));
    int per = Math.toIntExact(shape.size() / rows);
    float[] values = new float[rows * per];
    for (int r = 0; r < rows; r++) {
      SplittableRandom rng = new SplittableRandom(mix(seed, sampleOffset + r, stream));
      for (int k = 0; k < per; k++) {
        values[r * per + k] = (float) rng.nextGaussian();
      }
    }
    return manager.create(values, shape);
  }

  /** A 64-bit mix (SplitMix64 finaliser) of the three coordinates, so nearby seeds give unrelated streams. */
  static long mix(long seed, long sample, long stream) {
    long z = seed * 0x9E3779B97F4A7C15L + sample * 0xBF58476D1CE4E5B9L + stream * 0x94D049BB133111EBL;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
