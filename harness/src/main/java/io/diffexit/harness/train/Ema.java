package io.diffexit.harness.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;

/**
 * Exponential moving average of weights: e ← e + (1 − d_s)(p − e), with the warm-up d_s = min(decay, (1+s)/(10+s))
 * for the s-th update (s from 0), so that a short run's EMA is not dominated by the random initialisation (the form of
 * TensorFlow's ExponentialMovingAverage with num_updates).
 */
public final class Ema {

  private Ema() {}

  /**
   * @param decay the configured decay
   * @param update 0-based index of the EMA update
   * @return the decay used for that update
   */
  public static double decayAt(double decay, long update) {
    return Math.min(decay, (1.0 + update) / (10.0 + update));
  }

  /**
   * Moves every EMA array toward its training array, in place. Call with grad mode off.
   *
   * @param weights the training weights
   * @param averages the EMA weights, same order and shapes
   * @param decay the decay for this update ({@link #decayAt})
   * @param step the manager for temporaries
   */
  public static void update(List<NDArray> weights, List<NDArray> averages, double decay, NDManager step) {
    if (weights.size() != averages.size()) {
      throw new IllegalArgumentException(weights.size() + " weights but " + averages.size() + " EMA arrays");
    }
    NDArray rate = step.create((float) (1.0 - decay));
    for (int i = 0; i < weights.size(); i++) {
      NDArray e = averages.get(i);
      NDArray d = weights.get(i).sub(e); // belongs to the weights' manager: move it to the step manager
      d.attach(step);
      e.addi(d.muli(rate));
    }
  }
}
