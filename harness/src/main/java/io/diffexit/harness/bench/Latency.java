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
 * @param paced the same runs measured against the machine's pace at the time, or {@code null} when not measured
 *     (results written before paced timing existed)
 */
public record Latency(
    int batchSize, int warmup, int repeats, double medianMs, double q1Ms, double q3Ms, Paced paced) {

  /**
   * Run times in units of one full-depth model call timed right after each run, at the same batch size, in the same
   * process ({@code FullPassProbe}). Machine speed on a shared VM drifts by 2× within minutes; a ratio of two times
   * taken seconds apart cancels that drift, where milliseconds measured minutes apart (a cell and its {@code none}
   * baseline) do not. A {@code none} cell with a 50-step sampler costs about 50 full passes per run.
   *
   * @param median median over the repeats of run time ÷ full-pass time
   * @param q1 first quartile of that ratio
   * @param q3 third quartile of that ratio
   * @param fullPassMs median full-pass time over the repeats, milliseconds per call of {@code batchSize} images
   */
  public record Paced(double median, double q1, double q3, double fullPassMs) {
    public Paced {
      if (!(q1 <= median && median <= q3) || !Double.isFinite(q1) || !Double.isFinite(q3) || q1 <= 0
          || !(fullPassMs > 0) || !Double.isFinite(fullPassMs)) {
        throw new IllegalArgumentException("paced latency needs 0 < q1 <= median <= q3 and a positive full-pass time, got "
            + q1 + ", " + median + ", " + q3 + ", " + fullPassMs + " ms");
      }
    }
  }

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

  /** Latency without a pace reference. */
  public Latency(int batchSize, int warmup, int repeats, double medianMs, double q1Ms, double q3Ms) {
    this(batchSize, warmup, repeats, medianMs, q1Ms, q3Ms, null);
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

  /**
   * @param batchSize images per run
   * @param warmup untimed runs done before
   * @param msPerImage one observation per timed repeat (run time ÷ batch size)
   * @param fullPassMs the full-pass time measured right after each of those repeats, ms per call of the whole batch
   * @return quartiles of the per-image times and of the paced ratios (run time ÷ full-pass time), type 7 as {@link #of}
   */
  public static Latency paced(int batchSize, int warmup, double[] msPerImage, double[] fullPassMs) {
    if (fullPassMs.length != msPerImage.length) {
      throw new IllegalArgumentException("paced latency needs one full-pass time per repeat, got " + fullPassMs.length
          + " for " + msPerImage.length + " repeats");
    }
    Latency raw = of(batchSize, warmup, msPerImage);
    double[] ratio = new double[msPerImage.length];
    for (int i = 0; i < ratio.length; i++) {
      ratio[i] = msPerImage[i] * batchSize / fullPassMs[i];
    }
    Arrays.sort(ratio);
    double[] pass = fullPassMs.clone();
    Arrays.sort(pass);
    return new Latency(batchSize, warmup, raw.repeats(), raw.medianMs(), raw.q1Ms(), raw.q3Ms(),
        new Paced(quantile(ratio, 0.5), quantile(ratio, 0.25), quantile(ratio, 0.75), quantile(pass, 0.5)));
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
