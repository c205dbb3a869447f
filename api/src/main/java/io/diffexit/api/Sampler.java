package io.diffexit.api;

import ai.djl.ndarray.NDArray;

/**
 * A reverse-process solver: loops over its timesteps and calls the {@link Denoiser} once per model evaluation.
 * Samplers keep their own state (e.g. a multistep history) per sample; since early exit happens inside each denoiser
 * call, every sample still gets a prediction at every step, whatever layer it exited at.
 */
public interface Sampler {

  /** @return the sampler and its effective parameters, e.g. {@code "ddim(steps=50, eta=0.0, spacing=leading)"} */
  String describe();

  /** @return the number of denoiser calls one run makes */
  int evaluations();

  /**
   * @param denoiser the model (with early exit inside)
   * @param noise the initial x_T, (B, C, H, W)
   * @param run the run's manager, noise source and progress listener
   * @return x_0, (B, C, H, W), in the data range (about [-1, 1])
   */
  NDArray sample(Denoiser denoiser, NDArray noise, SamplingRun run);
}
