package io.diffexit.api;

import ai.djl.ndarray.NDArray;

/**
 * What {@link StepReuseStrategy#plan} sees: the sampler's input of this step for every sample of the run. Arrays are
 * valid only during the call; results belong to their manager.
 *
 * @param x the current samples x_t, (B, C, H, W), row b = sample id b
 * @param modelTime the model time per sample, (B)
 * @param step the sampler step, 0 = first (noisiest)
 * @param steps the sampler's denoiser calls in the run
 * @param mode per-sample or per-batch decisions
 */
public record StepInput(NDArray x, NDArray modelTime, int step, int steps, DecisionMode mode) {

  /** @return the samples of the run (B) */
  public int samples() {
    return Math.toIntExact(x.getShape().get(0));
  }
}
