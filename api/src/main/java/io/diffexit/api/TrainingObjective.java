package io.diffexit.api;

import ai.djl.training.ParameterStore;

/**
 * A strategy's training loss over the outputs of every exit point (layer-wise losses, UEM losses). The value must
 * include the base denoising loss L_simple; {@link LayerwiseOutputs} carries the final head for it.
 */
public interface TrainingObjective {

  /**
   * @param outputs hidden states and head predictions at every exit point, the true noise and the model time
   * @param store the parameter store to evaluate the strategy's trainable block with
   * @return the scalar loss and its named terms (for progress output)
   */
  ObjectiveValue loss(LayerwiseOutputs outputs, ParameterStore store);
}
