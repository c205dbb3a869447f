package io.diffexit.strategies;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import io.diffexit.api.LayerwiseOutputs;
import java.util.ArrayList;
import java.util.List;

/**
 * The loss pieces the strategies share. The official code takes a per-sample mean of squares ({@code mos}) and then the
 * batch mean; since every sample has the same number of elements that equals the mean over the whole tensor, which is
 * what these helpers compute.
 */
public final class Losses {

  private Losses() {}

  /** @return the scalar mean of {@code a²} over all elements (batch included) */
  public static NDArray meanSquare(NDArray a) {
    return a.square().mean();
  }

  /** @return L_simple = mean over pixels and batch of (ε̂ − ε)² on the final head */
  public static NDArray simple(LayerwiseOutputs outputs) {
    return meanSquare(outputs.finalHead().sub(outputs.noise()));
  }

  /**
   * @return (N): mean((g_i − ε)²) of every exit head i, stacked; with {@link LayerwiseOutputs#headWeights()} w the
   *     batch mean of w_b · mean over pixels of (g_i − ε)²_b (so w = 1 gives the same value)
   */
  public static NDArray layerwise(LayerwiseOutputs outputs) {
    List<NDArray> terms = new ArrayList<>();
    NDArray w = outputs.headWeights();
    for (NDArray head : outputs.heads()) {
      NDArray error = head.sub(outputs.noise());
      terms.add(w == null ? meanSquare(error) : perSampleMeanSquare(error).mul(w).mean());
    }
    return NDArrays.stack(new ai.djl.ndarray.NDList(terms));
  }

  /** @return (B): the per-sample mean of {@code a²} over every axis but the first */
  public static NDArray perSampleMeanSquare(NDArray a) {
    long b = a.getShape().get(0);
    return a.square().reshape(b, -1).mean(new int[] {1});
  }
}
