package io.diffexit.samplers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.diffexit.api.NoiseSource;
import java.util.SplittableRandom;

/**
 * A test noise source: row b at step s is drawn from a generator seeded by (seed, first + b, s) only, so it does not
 * depend on batch mates. Box–Muller on SplittableRandom, in Java, so it is identical on every platform.
 */
final class SeededNoise implements NoiseSource {

  private final long seed;
  private final int first;

  SeededNoise(long seed) {
    this(seed, 0);
  }

  /** @param first the run-wide index of row 0 */
  SeededNoise(long seed, int first) {
    this.seed = seed;
    this.first = first;
  }

  @Override
  public NDArray normal(NDManager manager, Shape shape, int step) {
    int rows = (int) shape.get(0);
    int per = (int) (shape.size() / rows);
    float[] out = new float[rows * per];
    for (int b = 0; b < rows; b++) {
      float[] row = row(first + b, step, per);
      System.arraycopy(row, 0, out, b * per, per);
    }
    return manager.create(out, shape);
  }

  /** @return the values row {@code sample} gets at {@code step} */
  float[] row(int sample, int step, int size) {
    SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ (sample * 1_000_003L + step) * 0xBF58476D1CE4E5B9L);
    float[] out = new float[size];
    for (int i = 0; i < size; i++) {
      double u1 = 1.0 - r.nextDouble();
      double u2 = r.nextDouble();
      out[i] = (float) (Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2));
    }
    return out;
  }
}
