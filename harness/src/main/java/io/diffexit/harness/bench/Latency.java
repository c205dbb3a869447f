package io.diffexit.harness.bench;

import java.util.Arrays;

/**
 * Wall-clock latency per image at one batch size: {@code repeats} timed runs after {@code warmup} untimed ones. Each
 * repeat generates one batch with the full sampler; its time divided by the batch size is one observation.
 *
 * @param batchSize images per run
 * @param warmup untimed runs before the timed ones
 * @param repeats timed runs
 * @param medianMs median of the per-image times, milliseconds
 * @param q1Ms first quartile, milliseconds
 * @param q3Ms third quartile, milliseconds
 */
public record Latency(int batchSize, int warmup, int repeats, double medianMs, double q1Ms, double q3Ms) {

  public Latency {
    if (batchSize < 1 || repeats < 1 || warmup < 0) {
      throw new IllegalArgumentException(
          "latency needs batch size >= 1, repeats >= 1, warm-up >= 0; got " + batchSize + ", " + repeats + ", " + warmup);
    }
    if (!(q1Ms <= medianMs && medianMs <= q3Ms) || !Double.isFinite(q1Ms) || !Double.isFinite(q3Ms) || q1Ms < 0) {
      throw new IllegalArgumentException(
          "latency quartiles must be finite and ordered 0 <= q1 <= median <= q3, got " + q1Ms + ", " + medianMs + ", " + q3Ms);
    }
  }

  /**
   * @param batchSize images per run
   * @param warmup untimed runs done before
   * @param msPerImage one observation per timed repeat (run time ÷ batch size)
   * @return the median and quartiles, by linear interpolation between order statistics (R type 7, numpy's default)
   */
  public static Latency of(int batchSize, int warmup, double... msPerImage) {
    if (msPerImage.length == 0) {
      throw new IllegalArgumentException("latency needs at least one timed repeat");
    }
    double[] s = msPerImage.clone();
    Arrays.sort(s);
    return new Latency(batchSize, warmup, s.length, quantile(s, 0.5), quantile(s, 0.25), quantile(s, 0.75));
  }

  /** @return the interquartile range q3 − q1 */
  public double iqrMs() {
    return q3Ms - q1Ms;
  }

  static double quantile(double[] sorted, double p) {
    double h = (sorted.length - 1) * p;
    int lo = (int) Math.floor(h);
    int hi = Math.min(lo + 1, sorted.length - 1);
    return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
  }
}
