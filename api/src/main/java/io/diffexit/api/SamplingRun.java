package io.diffexit.api;

import ai.djl.ndarray.NDManager;

/**
 * Per-run context for a sampler.
 *
 * @param manager the manager for this run's temporaries (closed by the caller after the result is copied out)
 * @param noise reproducible Gaussian noise for stochastic samplers
 * @param listener called after every step (progress bars); may ignore
 */
public record SamplingRun(NDManager manager, NoiseSource noise, StepListener listener) {

  /** Progress callback. */
  @FunctionalInterface
  public interface StepListener {
    /**
     * @param step the step just finished, 0-based
     * @param steps total steps
     */
    void stepDone(int step, int steps);

    /** @return a listener that does nothing */
    static StepListener none() {
      return (step, steps) -> {};
    }
  }
}
