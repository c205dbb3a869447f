package io.diffexit.api;

import ai.djl.ndarray.NDManager;
import java.util.Objects;

/**
 * The start of one sampling run over one batch, as a strategy sees it ({@link ExitStrategy#startRun}).
 *
 * <p>Per-sample state is keyed by the sample's position in this batch, 0 ≤ id &lt; {@code samples}, the value that
 * {@link ExitPoint#sampleIds()} and {@link PassInfo#sampleIds()} report however much the active batch has shrunk.
 *
 * @param samples the samples of the run (the batch size of every denoiser call in it)
 * @param steps the sampler's denoiser calls in the run
 * @param mode per-sample or per-batch decisions
 * @param manager lives for the whole run and is closed by the runner after {@link ExitStrategy#endRun()}: the place
 *     for state kept across steps (e.g. {@link SampleTensors})
 */
public record RunInfo(int samples, int steps, DecisionMode mode, NDManager manager) {
  public RunInfo {
    if (samples < 1 || steps < 1) {
      throw new IllegalArgumentException("a run needs at least one sample and one step, got " + samples + " and " + steps);
    }
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(manager, "manager");
  }
}
