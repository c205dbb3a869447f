package io.diffexit.api;

import ai.djl.ndarray.NDManager;
import java.util.Objects;

/**
 * The start of one forward pass of the backbone ({@link ExitStrategy#startPass}). A sampler step makes one pass over
 * the samples that run the network; with a step-reuse strategy it can make a second one over the samples that resume
 * from a cache, or none when every sample reuses.
 *
 * @param step the sampler step, 0 = first (noisiest)
 * @param sampleIds the ids of the samples entering the pass (positions in the run's batch), ascending
 * @param resumedAt the exit point at which the pass resumes from a cache ({@link Pass#resume}), or -1 for a pass
 *     that runs from the start
 * @param manager for the strategy's temporaries of this pass; closed by the runner right after
 *     {@link ExitStrategy#endPass()}
 */
public record PassInfo(int step, int[] sampleIds, int resumedAt, NDManager manager) {
  public PassInfo {
    Objects.requireNonNull(sampleIds, "sampleIds");
    Objects.requireNonNull(manager, "manager");
    sampleIds = sampleIds.clone();
  }

  /** @return the ids of the samples entering the pass (a copy) */
  @Override
  public int[] sampleIds() {
    return sampleIds.clone();
  }

  /** @return the number of samples entering the pass */
  public int size() {
    return sampleIds.length;
  }
}
