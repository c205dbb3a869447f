package io.diffexit.api;

import ai.djl.training.ParameterStore;

/**
 * A strategy's training loss over the outputs of every exit point (layer-wise losses, UEM losses). The value must
 * include the base denoising loss L_simple; {@link LayerwiseOutputs} carries the final head for it.
 */
public interface TrainingObjective {

  /**
   * @param outputs hidden states and head predictions at every exit point (or at a sample of them, when {@link
   *     #supportsExitSampling()}), the target noise and the model time
   * @param store the parameter store to evaluate the strategy's trainable block with
   * @return the scalar loss and its named terms (for progress output)
   */
  ObjectiveValue loss(LayerwiseOutputs outputs, ParameterStore store);

  /**
   * Whether {@link #loss} accepts outputs of a sample of the exit points (the trainer's {@code exit-sample} option,
   * LayerSkip-style: a few early exits per step and always the last, to cut what the exit heads cost in training). An
   * objective that says yes reads each head's exit point from {@link LayerwiseOutputs#exitIndex(int)}, not from its
   * position, and makes its terms estimates over the heads given. The trainer refuses the option for the others.
   *
   * @return false unless the objective is written for it
   */
  default boolean supportsExitSampling() {
    return false;
  }
}
