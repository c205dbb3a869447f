package io.diffexit.harness.train;

import java.util.SplittableRandom;

/**
 * The order training images are visited in: epoch e is a permutation of [0, n) drawn from (seed, e), and batches are
 * consecutive slices of the concatenated epochs (a batch may straddle two epochs). The batch of a step is a pure
 * function of (seed, step, batch size, n), so a resumed run sees the same batches as an uninterrupted one.
 */
public final class DataOrder {

  private final long seed;
  private final int n;
  private long cachedEpoch = -1;
  private int[] cached;

  /**
   * @param seed the run's seed
   * @param n the number of images
   */
  public DataOrder(long seed, int n) {
    if (n < 1) {
      throw new IllegalArgumentException("no training images: the data set is empty");
    }
    this.seed = seed;
    this.n = n;
  }

  /** @return the image indices of the batch of {@code step} */
  public int[] batch(long step, int batchSize) {
    int[] out = new int[batchSize];
    long position = step * batchSize;
    for (int k = 0; k < batchSize; k++, position++) {
      out[k] = permutation(position / n)[(int) (position % n)];
    }
    return out;
  }

  /** @return the epoch the batch of {@code step} starts in */
  public long epochOf(long step, int batchSize) {
    return step * batchSize / n;
  }

  /** @return the offset inside its epoch where the batch of {@code step} starts */
  public long offsetOf(long step, int batchSize) {
    return step * batchSize % n;
  }

  /** @return the permutation of epoch {@code epoch} (Fisher–Yates from a generator seeded with (seed, epoch)) */
  public int[] permutation(long epoch) {
    if (epoch != cachedEpoch) {
      int[] p = new int[n];
      for (int i = 0; i < n; i++) {
        p[i] = i;
      }
      SplittableRandom rng = new SplittableRandom(Seeds.mix(seed, 0x5EED_DA7AL, epoch));
      for (int i = n - 1; i > 0; i--) {
        int j = rng.nextInt(i + 1);
        int tmp = p[i];
        p[i] = p[j];
        p[j] = tmp;
      }
      cached = p;
      cachedEpoch = epoch;
    }
    return cached;
  }
}
