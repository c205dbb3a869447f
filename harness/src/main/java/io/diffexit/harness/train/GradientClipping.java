package io.diffexit.harness.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import java.util.List;

/**
 * Global-norm gradient clipping as torch.nn.utils.clip_grad_norm_: with n = sqrt(Σ_i ||g_i||²), every gradient is
 * scaled by min(1, max / (n + 1e-6)). (DJL's optClipGrad clips each element, and one-sidedly on PyTorch.)
 */
public final class GradientClipping {

  private GradientClipping() {}

  /**
   * @param grads the gradients, scaled in place
   * @param maxNorm the threshold; 0 or less only measures
   * @return the global norm before clipping (one device sync)
   */
  public static double clip(List<NDArray> grads, double maxNorm) {
    if (grads.isEmpty()) {
      return 0;
    }
    NDList squares = new NDList(grads.size());
    for (NDArray g : grads) {
      squares.add(g.square().sum());
    }
    NDArray total = NDArrays.stack(squares).sum();
    double norm = Math.sqrt(total.getFloat());
    squares.close();
    total.close();
    if (maxNorm > 0) {
      double scale = maxNorm / (norm + 1e-6);
      if (scale < 1) {
        for (NDArray g : grads) {
          g.muli((float) scale);
        }
      }
    }
    return norm;
  }
}
