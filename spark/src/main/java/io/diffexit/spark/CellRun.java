package io.diffexit.spark;

import io.diffexit.api.CostMeter;
import io.diffexit.api.ExitTrace;
import io.diffexit.harness.fidelity.SavedSamples;
import io.diffexit.harness.fid.FeatureSums;
import io.diffexit.harness.runner.PixelMapRecorder;
import io.diffexit.harness.runner.SamplingJob;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * One cell's shards as they come back to the driver, merged as each arrives (so the driver holds one set of FID sums
 * per cell, not one per shard): exit points and MACs are integers and merge exactly; the FID sums add in float64
 * (in arrival order, so the last bits of FID may differ between runs); the feature rows KID draws, the grid images and
 * the certainty maps are put in place by sample index.
 */
final class CellRun {

  private final int samples;
  private final int shards;
  private int received;
  private ExitTrace trace;
  private long[] macsByCategory;
  private long[] macsByStep;
  private FeatureSums sums;
  private final float[][] kidRows;
  private float[] grid;
  private byte[] pixels;
  private final List<PixelMapRecorder.Entry> maps = new ArrayList<>();
  private final double[][] batchSeconds;
  private ShardResult firstShard;
  private long peakMemoryBytes;
  private long peakCacheBytes;
  private double taskSeconds;
  private TimingResult timing;

  /**
   * @param samples samples in the cell's run
   * @param shards the number of shards it was split into
   */
  CellRun(int samples, int shards) {
    this.samples = samples;
    this.shards = shards;
    this.kidRows = new float[samples][];
    this.batchSeconds = new double[shards][];
  }

  /** Merges one shard's result (called by Spark on the driver as each shard task finishes). */
  synchronized void add(int shardIndex, ShardResult r) {
    int steps = r.exits().length;
    int per = r.channels() * r.height() * r.width();
    if (trace == null) {
      trace = new ExitTrace(steps, samples, r.exitPoints());
      macsByCategory = new long[r.macsByCategory().length];
      macsByStep = new long[steps];
      grid = new float[Math.min(samples, SparkCellExecutor.GRID_SAMPLES) * per];
      pixels = new byte[samples * per];
    }
    for (int s = 0; s < steps; s++) {
      for (int j = 0; j < r.count(); j++) {
        int e = r.exits()[s][j];
        if (r.reused()[s][j]) {
          trace.recordReuse(s, r.modelTimes()[s], r.first() + j, e);
        } else if (e >= 0) {
          trace.record(s, r.modelTimes()[s], r.first() + j, e);
        }
      }
      macsByStep[s] += r.macsByStep()[s];
    }
    for (int i = 0; i < macsByCategory.length; i++) {
      macsByCategory[i] += r.macsByCategory()[i];
    }
    for (int k = 0; k < r.kidIndices().length; k++) {
      kidRows[r.kidIndices()[k]] = r.kidRows()[k];
    }
    if (r.gridImages().length > 0) { // only shards below the grid's last sample send images
      System.arraycopy(r.gridImages(), 0, grid, r.first() * per, r.gridImages().length);
    }
    System.arraycopy(r.pixels(), 0, pixels, r.first() * per, r.pixels().length);
    for (int k = 0; k < r.mapSamples().length; k++) {
      maps.add(new PixelMapRecorder.Entry(r.mapSamples()[k], r.mapSteps()[k], r.mapExitPoints()[k],
          r.mapValues()[k]));
    }
    if (r.featureSums() != null) {
      if (sums == null) {
        sums = new FeatureSums(r.featureSums().dimension());
      }
      sums.add(r.featureSums());
    }
    batchSeconds[shardIndex] = r.batchSeconds();
    if (r.first() == 0) {
      firstShard = r;
    }
    peakMemoryBytes = Math.max(peakMemoryBytes, r.peakMemoryBytes());
    peakCacheBytes = Math.max(peakCacheBytes, r.peakCacheBytes());
    taskSeconds += r.taskSeconds();
    received++;
  }

  /** @return every sample of the cell as its 8-bit image, merged from the shards in sample order */
  synchronized SavedSamples samples() {
    requireComplete();
    return new SavedSamples(pixels, samples, firstShard.channels(), firstShard.height(), firstShard.width());
  }

  /** Keeps the timing task's result. */
  synchronized void timed(TimingResult t) {
    timing = t;
    peakMemoryBytes = Math.max(peakMemoryBytes, t.peakMemoryBytes());
    taskSeconds += t.taskSeconds();
  }

  /** @return shards merged so far */
  synchronized int received() {
    return received;
  }

  /** @return the number of shards */
  int shards() {
    return shards;
  }

  /** @return whether every shard and the timing task came back */
  synchronized boolean complete() {
    return received == shards && timing != null;
  }

  /**
   * @return the merged FID sampling run: trace, MACs and batch times of all samples; its images are only the first
   *     {@value SparkCellExecutor#GRID_SAMPLES} (what the sample grid shows), since FID came from the shards' sums
   */
  synchronized SamplingJob.Result result() {
    requireComplete();
    CostMeter cost = meter(macsByCategory, macsByStep, samples);
    cost.noteCacheBytes(peakCacheBytes); // the largest cache of one shard: shards run in separate processes
    List<Double> seconds = new ArrayList<>();
    for (double[] b : batchSeconds) {
      for (double v : b) {
        seconds.add(v);
      }
    }
    List<PixelMapRecorder.Entry> ordered = new ArrayList<>(maps);
    ordered.sort(Comparator.comparingInt(PixelMapRecorder.Entry::sample).thenComparingInt(PixelMapRecorder.Entry::step)
        .thenComparingInt(PixelMapRecorder.Entry::exitPoint));
    return new SamplingJob.Result(grid, samples, firstShard.channels(), firstShard.height(), firstShard.width(), trace,
        cost, List.copyOf(seconds), List.of(), List.copyOf(ordered));
  }

  /**
   * A meter with these per-category and per-step totals (a meter exposes only those two margins): the MACs are charged
   * in north-west-corner order, which meets both margins exactly.
   */
  static CostMeter meter(long[] byCategory, long[] byStep, long images) {
    CostMeter.Category[] categories = CostMeter.Category.values();
    if (byCategory.length != categories.length) {
      throw new IllegalArgumentException("MACs for " + byCategory.length + " categories, expected " + categories.length);
    }
    long[] c = byCategory.clone();
    long[] s = byStep.clone();
    if (Arrays.stream(c).sum() != Arrays.stream(s).sum()) {
      throw new IllegalStateException("MACs by category (" + Arrays.stream(c).sum() + ") and by step ("
          + Arrays.stream(s).sum() + ") disagree");
    }
    CostMeter meter = new CostMeter(byStep.length);
    int i = 0;
    int j = 0;
    while (i < c.length && j < s.length) {
      long x = Math.min(c[i], s[j]);
      if (x > 0) {
        meter.charge(categories[i], j, x);
      }
      c[i] -= x;
      s[j] -= x;
      if (c[i] == 0) {
        i++;
      } else {
        j++;
      }
    }
    meter.addImages(images);
    return meter;
  }

  /** @return the merged FID sums, or null when the experiment measures no quality */
  synchronized FeatureSums sums() {
    requireComplete();
    return sums;
  }

  /** @return one entry per sample: its feature row where KID draws it, else null */
  synchronized float[][] kidRows() {
    requireComplete();
    return kidRows;
  }

  /** @return the first shard's result (strategy and sampler descriptions, device) */
  synchronized ShardResult firstShard() {
    requireComplete();
    return firstShard;
  }

  synchronized TimingResult timing() {
    requireComplete();
    return timing;
  }

  synchronized long peakMemoryBytes() {
    return peakMemoryBytes;
  }

  synchronized double taskSeconds() {
    return taskSeconds;
  }

  private void requireComplete() {
    if (!complete()) {
      throw new IllegalStateException("cell not complete: " + received + " of " + shards + " shards"
          + (timing == null ? ", no timing" : ""));
    }
  }
}
