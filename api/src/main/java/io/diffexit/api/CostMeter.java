package io.diffexit.api;

import java.util.EnumMap;
import java.util.Map;

/**
 * Counts the multiply-accumulates (MACs) actually spent while sampling, by category and by sampler step, from the
 * analytic cost model and the batch sizes actually executed. FLOPs = 2 × MACs.
 *
 * <p>Not thread-safe: one meter per sampling run.
 */
public final class CostMeter {

  /** What the MACs were spent on. */
  public enum Category {
    /** patch/time embedding before the first segment */
    EMBED,
    /** the backbone's layers between exit points (skip linears included) */
    BACKBONE,
    /** exit heads g_i evaluated (at the exit point and whenever a strategy asks for one) */
    HEAD,
    /** the strategy's own work (UEM, LTE) */
    STRATEGY,
    /** a step-reuse strategy's own work: the norms and differences it decides on, its cache updates */
    CACHE
  }

  private final int steps;
  private final Map<Category, Long> byCategory = new EnumMap<>(Category.class);
  private final long[] byStep;
  private long images;
  private long peakCacheBytes;

  /** @param steps the number of sampler steps (denoiser calls) per image, for the per-step breakdown */
  public CostMeter(int steps) {
    if (steps < 1) {
      throw new IllegalArgumentException("a cost meter needs at least one step, got " + steps);
    }
    this.steps = steps;
    this.byStep = new long[steps];
    for (Category c : Category.values()) {
      byCategory.put(c, 0L);
    }
  }

  /**
   * @param category what was computed
   * @param step the sampler step, in [0, steps)
   * @param macs MACs for all samples together
   */
  public void charge(Category category, int step, long macs) {
    if (step < 0 || step >= steps) {
      throw new IllegalArgumentException("step " + step + " outside [0, " + steps + ")");
    }
    if (macs < 0) {
      throw new IllegalArgumentException("negative MACs: " + macs);
    }
    byCategory.merge(category, macs, Long::sum);
    byStep[step] += macs;
  }

  /** @param n images whose generation this meter covers (the per-image figures divide by their total) */
  public void addImages(long n) {
    images += n;
  }

  /** @return images covered */
  public long images() {
    return images;
  }

  /** @return the number of steps per image */
  public int steps() {
    return steps;
  }

  /** @return all MACs charged */
  public long total() {
    long sum = 0;
    for (long v : byCategory.values()) {
      sum += v;
    }
    return sum;
  }

  /** @return MACs charged in one category */
  public long total(Category category) {
    return byCategory.get(category);
  }

  /** @return MACs charged at one sampler step, all categories (so that a meter can be rebuilt elsewhere) */
  public long totalAtStep(int step) {
    return byStep[step];
  }

  /** @return MACs per image (all steps), or NaN before any image */
  public double macsPerImage() {
    return images == 0 ? Double.NaN : (double) total() / images;
  }

  /** @return MACs per image in one category */
  public double macsPerImage(Category category) {
    return images == 0 ? Double.NaN : (double) total(category) / images;
  }

  /** @return MACs per image spent at each step */
  public double[] macsPerImageByStep() {
    double[] out = new double[steps];
    for (int i = 0; i < steps; i++) {
      out[i] = images == 0 ? Double.NaN : (double) byStep[i] / images;
    }
    return out;
  }

  /** @param bytes what a step-reuse cache holds now; the meter keeps the maximum */
  public void noteCacheBytes(long bytes) {
    peakCacheBytes = Math.max(peakCacheBytes, bytes);
  }

  /** @return the most bytes a step-reuse cache held at once (0 without one) */
  public long peakCacheBytes() {
    return peakCacheBytes;
  }

  /** Adds another meter's counts (same number of steps) to this one. */
  public void addAll(CostMeter other) {
    if (other.steps != steps) {
      throw new IllegalArgumentException("cannot merge a " + other.steps + "-step meter into a " + steps + "-step one");
    }
    other.byCategory.forEach((c, v) -> byCategory.merge(c, v, Long::sum));
    for (int i = 0; i < steps; i++) {
      byStep[i] += other.byStep[i];
    }
    images += other.images;
    peakCacheBytes = Math.max(peakCacheBytes, other.peakCacheBytes);
  }
}
