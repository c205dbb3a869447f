package io.diffexit.api;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * What one sampler step produced, for {@link StepReuseStrategy#finish}. Arrays are valid only during the call.
 *
 * @param step the sampler step
 * @param noise the ε every sample got, (B, C, H, W) in id order
 * @param exitPoint per sample, the exit point whose head gave its ε, or -1 when it skipped the denoiser call
 * @param reused per sample, whether it reused the cache at this step (plan or substitute)
 * @param finals for the samples that ran a pass from the start without a substitute: the hidden state at the exit
 *     point where each stopped, grouped by exit point
 */
public record StepOutcome(int step, NDArray noise, int[] exitPoint, boolean[] reused, List<Final> finals) {

  /**
   * The hidden state of some samples at the exit point where they stopped running.
   *
   * @param exitPoint the exit point index
   * @param sampleIds their ids, in the order of the rows
   * @param hidden (ids.length, ...) their hidden states there
   */
  public record Final(int exitPoint, int[] sampleIds, NDArray hidden) {}

  public StepOutcome {
    exitPoint = exitPoint.clone();
    reused = reused.clone();
    finals = List.copyOf(finals);
  }

  /** @return per sample, the exit point whose head gave its ε (a copy) */
  @Override
  public int[] exitPoint() {
    return exitPoint.clone();
  }

  /** @return per sample, whether it reused (a copy) */
  @Override
  public boolean[] reused() {
    return reused.clone();
  }
}
