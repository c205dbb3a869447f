package io.diffexit.api;

import ai.djl.ndarray.NDArray;
import java.util.List;
import java.util.stream.IntStream;

/**
 * A full-depth training forward pass with the outputs of every exit point, or of a sample of them (the trainer's
 * {@code exit-sample} option, for objectives that {@link TrainingObjective#supportsExitSampling() support} it).
 *
 * @param hidden hidden state at each exit point given (attached to the autograd graph)
 * @param heads ε prediction of each exit head given, each (B, C, H, W); the last is always the final head
 * @param noise the target of every head: the true ε, or, when the trainer distils (its {@code distill} option), the
 *     full model's ε̂ with its gradient stopped, so objectives that compare heads with it (layer-wise terms, a UEM's
 *     error target) learn the distance from the model an exit stands in for; (B, C, H, W)
 * @param modelTime model time per sample, (B)
 * @param backbone the backbone's description
 * @param headWeights per-sample weights (B) of the squared head errors in layer-wise terms (the trainer's min-SNR-γ
 *     option), or null for the unweighted mean; see {@code Losses.layerwise}
 * @param exitIndices the exit-point index ({@link ExitPointSpec#index()}) of each entry of {@code heads} and
 *     {@code hidden}, strictly increasing and ending with the last exit point; every exit point when all are given
 */
public record LayerwiseOutputs(
    List<NDArray> hidden,
    List<NDArray> heads,
    NDArray noise,
    NDArray modelTime,
    BackboneSpec backbone,
    NDArray headWeights,
    List<Integer> exitIndices) {

  /**
   * @throws IllegalArgumentException when the lists' sizes differ or the indices are not increasing exit points that
   *     end with the last one
   */
  public LayerwiseOutputs {
    hidden = List.copyOf(hidden);
    heads = List.copyOf(heads);
    exitIndices = List.copyOf(exitIndices);
    int points = backbone.exitPoints().size();
    if (hidden.size() != heads.size() || heads.size() != exitIndices.size() || heads.isEmpty()) {
      throw new IllegalArgumentException("layer-wise outputs: " + hidden.size() + " hidden states, " + heads.size()
          + " heads and " + exitIndices.size() + " exit indices; give one of each per exit point used");
    }
    for (int i = 0; i < exitIndices.size(); i++) {
      int e = exitIndices.get(i);
      if (e < 0 || e >= points || (i > 0 && e <= exitIndices.get(i - 1))) {
        throw new IllegalArgumentException("layer-wise outputs: exit indices " + exitIndices
            + " must increase within [0, " + (points - 1) + "]");
      }
    }
    if (exitIndices.get(exitIndices.size() - 1) != points - 1) {
      throw new IllegalArgumentException("layer-wise outputs: exit indices " + exitIndices + " must end with the last"
          + " exit point, " + (points - 1) + ": the final head is always trained");
    }
  }

  /** Outputs of every exit point. */
  public LayerwiseOutputs(List<NDArray> hidden, List<NDArray> heads, NDArray noise, NDArray modelTime,
      BackboneSpec backbone, NDArray headWeights) {
    this(hidden, heads, noise, modelTime, backbone, headWeights, every(heads.size()));
  }

  /** Outputs of every exit point whose layer-wise terms are unweighted means. */
  public LayerwiseOutputs(
      List<NDArray> hidden, List<NDArray> heads, NDArray noise, NDArray modelTime, BackboneSpec backbone) {
    this(hidden, heads, noise, modelTime, backbone, null);
  }

  private static List<Integer> every(int n) {
    return IntStream.range(0, n).boxed().toList();
  }

  /** @return the prediction of the full network (the last head) */
  public NDArray finalHead() {
    return heads.get(heads.size() - 1);
  }

  /**
   * @param i position in {@link #heads()}
   * @return the exit-point index of that head, the index of the strategy's per-exit parameters
   */
  public int exitIndex(int i) {
    return exitIndices.get(i);
  }

  /** @return how many exit points the backbone has (all of them, given or not) */
  public int exitPoints() {
    return backbone.exitPoints().size();
  }

  /** @return whether only some exit points are given */
  public boolean sampled() {
    return heads.size() < exitPoints();
  }
}
