package io.diffexit.api;

import ai.djl.ndarray.NDArray;

/** The model as a sampler sees it: one ε prediction per call, early exit hidden inside. */
@FunctionalInterface
public interface Denoiser {

  /**
   * @param x current samples, (B, C, H, W)
   * @param modelTime the model's time input per sample, (B), float32 (see {@link NoiseSchedule#modelTime(double)})
   * @param step index of this evaluation in the run, 0-based
   * @return predicted ε, (B, C, H, W)
   * @throws IllegalStateException naming the step when the prediction is not finite
   */
  NDArray predictNoise(NDArray x, NDArray modelTime, int step);
}
