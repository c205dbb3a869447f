package io.diffexit.api;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;

/**
 * A denoising network that can be run exit point by exit point. Implementations are DJL blocks underneath; the
 * harness trains {@link #block()} (all trainable parameters) and saves and loads its parameters.
 *
 * <p>The network predicts the noise ε of the forward process. Its time input is the model time of
 * {@link NoiseSchedule#modelTime(double)}: for the built-in schedules, the discrete training timestep index in
 * [0, T-1] as a float (continuous samplers convert; see {@link NoiseSchedule}).
 */
public interface Backbone extends AutoCloseable {

  /** @return architecture, exit points and cost model */
  BackboneSpec spec();

  /** @return the DJL block holding every trainable parameter of the backbone (exit heads included) */
  Block block();

  /**
   * @return the names (keys of {@code block().getParameters()}) of the parameters that only early exits use: heads of
   *     their own, not the final output layer. A fine-tune can train these over a frozen trunk, so the full-depth model
   *     stays bit-identical. Empty (the default) when the exits share the final head, as in U-ViT's own design.
   */
  default java.util.Set<String> earlyExitHeadParameters() {
    return java.util.Set.of();
  }

  /**
   * @return the parameters that weights saved by another configuration of this backbone may lack, each mapped to the
   *     parameter (same shape) whose value it starts from. A fine-tune that changes such a setting of its base
   *     ({@code finetune --backbone-param}) loads the base's weights by name and fills these from their sources: a
   *     U-ViT with {@code exit-heads=per-exit} starts every exit's head as a copy of the shared head, so that before
   *     the first step each exit predicts exactly what the base's did. A parameter mapped to itself keeps the value
   *     the backbone initialised it with (e.g. a residual branch that starts at zero). Empty (the default) when every
   *     parameter must come from the file.
   */
  default java.util.Map<String, String> inheritedParameters() {
    return java.util.Map.of();
  }

  /**
   * Embeds a batch and returns a cursor positioned before the first exit point.
   *
   * @param store the parameter store to read weights from (one per thread; non-copying on the block's device)
   * @param x noisy images, shape (B, C, H, W), float32
   * @param t model time per sample, shape (B), float32
   * @param training whether autograd/dropout semantics of training apply
   * @return a one-shot pass over this batch
   */
  Pass begin(ParameterStore store, NDArray x, NDArray t, boolean training);

  /** Releases the backbone's parameters. */
  @Override
  void close();
}
