package io.diffexit.api;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * A full-depth training forward pass with every exit point's outputs.
 *
 * @param hidden hidden state at every exit point (attached to the autograd graph)
 * @param heads ε prediction of every exit head, each (B, C, H, W)
 * @param noise the target of every head: the true ε, or, when the trainer distils (its {@code distill} option), the
 *     full model's ε̂ with its gradient stopped, so objectives that compare heads with it (layer-wise terms, a UEM's
 *     error target) learn the distance from the model an exit stands in for; (B, C, H, W)
 * @param modelTime model time per sample, (B)
 * @param backbone the backbone's description
 * @param headWeights per-sample weights (B) of the squared head errors in layer-wise terms (the trainer's min-SNR-γ
 *     option), or null for the unweighted mean; see {@code Losses.layerwise}
 */
public record LayerwiseOutputs(
    List<NDArray> hidden,
    List<NDArray> heads,
    NDArray noise,
    NDArray modelTime,
    BackboneSpec backbone,
    NDArray headWeights) {
  public LayerwiseOutputs {
    hidden = List.copyOf(hidden);
    heads = List.copyOf(heads);
  }

  /** Outputs whose layer-wise terms are unweighted means. */
  public LayerwiseOutputs(
      List<NDArray> hidden, List<NDArray> heads, NDArray noise, NDArray modelTime, BackboneSpec backbone) {
    this(hidden, heads, noise, modelTime, backbone, null);
  }

  /** @return the prediction of the full network (the last head) */
  public NDArray finalHead() {
    return heads.get(heads.size() - 1);
  }
}
