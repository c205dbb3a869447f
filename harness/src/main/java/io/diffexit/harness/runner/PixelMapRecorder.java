package io.diffexit.harness.runner;

import ai.djl.ndarray.NDArray;
import io.diffexit.api.ExitPoint;
import io.diffexit.api.ExitStrategy;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Keeps the strategy's per-pixel maps (DeeDiff: certainty) of the first few samples of a run at chosen steps, for
 * {@code --uncertainty-maps}. Maps are copied to the heap, so the recorder outlives the tensors.
 */
public final class PixelMapRecorder {

  /**
   * One recorded map.
   *
   * @param sample the sample's index in the run
   * @param step the sampler step
   * @param exitPoint the exit point index
   * @param values the map (C·H·W values, row-major) in [0, 1]
   */
  public record Entry(int sample, int step, int exitPoint, float[] values) {}

  private final int samples;
  private final int[] steps;
  private final Map<String, Entry> entries = new TreeMap<>();

  /**
   * @param samples maps are kept for run samples 0 .. samples−1
   * @param steps the sampler steps to keep
   */
  public PixelMapRecorder(int samples, int[] steps) {
    this.samples = samples;
    this.steps = steps.clone();
  }

  /** @return whether anything is wanted at this step */
  boolean wants(int step) {
    for (int s : steps) {
      if (s == step) {
        return true;
      }
    }
    return false;
  }

  void offer(ExitStrategy strategy, ExitPoint point, int sampleOffset, int[] ids, int step) {
    if (!wants(step)) {
      return;
    }
    boolean any = false;
    for (int id : ids) {
      any |= sampleOffset + id < samples;
    }
    if (!any) {
      return;
    }
    Optional<NDArray> map = strategy.pixelMap(point);
    if (map.isEmpty()) {
      return;
    }
    float[] all = map.get().toFloatArray();
    int per = all.length / ids.length;
    for (int k = 0; k < ids.length; k++) {
      int sample = sampleOffset + ids[k];
      if (sample < samples) {
        float[] v = new float[per];
        System.arraycopy(all, k * per, v, 0, per);
        int e = point.spec().index();
        entries.put(String.format("%08d-%06d-%04d", sample, step, e), new Entry(sample, step, e, v));
      }
    }
  }

  /** @return the recorded maps ordered by sample, step, exit point */
  public java.util.List<Entry> entries() {
    return java.util.List.copyOf(entries.values());
  }
}
