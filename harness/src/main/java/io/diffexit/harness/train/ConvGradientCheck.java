package io.diffexit.harness.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.diffexit.harness.UserError;

/**
 * Checks once per JVM that the engine's conv2d computes correct input gradients before anything is trained.
 *
 * <p>Why: on the AMD EPYC machines this project is built on, PyTorch 2.7.1's oneDNN AVX-512 kernels return wrong
 * gradients with respect to the input of small 3×3 convolutions (errors of order 1 on a 1-channel 28×28 map, different
 * on every run), which silently ruins training of any backbone with such convolutions. Setting the environment variable
 * {@code ONEDNN_MAX_CPU_ISA=SSE41} before the JVM starts makes them exact; {@code bin/diffexit} and the test
 * configuration do. A conv is linear in its input, so the exact gradient of sum(conv(x)·g) with respect to x is the
 * correlation of g with the flipped kernel; this check compares the autograd result with the forward-difference
 * value at a few positions, where the difference is exact up to float rounding.
 */
public final class ConvGradientCheck {

  private static volatile Boolean passed;

  private ConvGradientCheck() {}

  /**
   * @throws UserError naming the fix when the engine's conv2d input gradients are wrong
   */
  public static void require() {
    if (passed == null) {
      synchronized (ConvGradientCheck.class) {
        if (passed == null) {
          passed = worstError() < 1e-2;
        }
      }
    }
    if (!passed) {
      throw new UserError(
          "this CPU's oneDNN conv2d kernels compute wrong input gradients, so training would be silently wrong; start"
              + " the JVM with the environment variable ONEDNN_MAX_CPU_ISA=SSE41 (bin/diffexit sets it)");
    }
  }

  /** @return the largest absolute difference between autograd and exact input gradients on a 1→1 3×3 conv */
  static double worstError() {
    try (NDManager m = NDManager.newBaseManager()) {
      float[] xs = new float[2 * 28 * 28];
      float[] gs = new float[xs.length];
      java.util.SplittableRandom rng = new java.util.SplittableRandom(11);
      for (int i = 0; i < xs.length; i++) {
        xs[i] = (float) rng.nextGaussian();
        gs[i] = (float) rng.nextGaussian();
      }
      float[] ws = new float[9];
      for (int i = 0; i < 9; i++) {
        ws[i] = (float) rng.nextGaussian();
      }
      Shape shape = new Shape(2, 1, 28, 28);
      NDArray w = m.create(ws, new Shape(1, 1, 3, 3));
      NDArray g = m.create(gs, shape);
      NDArray x = m.create(xs, shape);
      x.setRequiresGradient(true);
      float[] grad;
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        gc.backward(conv(x, w).mul(g).sum());
      }
      grad = x.getGradient().toFloatArray();
      double base = conv(m.create(xs, shape), w).mul(g).sum().getFloat();
      double worst = 0;
      for (int k = 0; k < 8; k++) {
        int i = (int) ((k * 7919L + 13) % xs.length);
        float[] bumped = xs.clone();
        bumped[i] += 1f;
        double exact = conv(m.create(bumped, shape), w).mul(g).sum().getFloat() - base;
        worst = Math.max(worst, Math.abs(exact - grad[i]));
      }
      return worst;
    }
  }

  private static NDArray conv(NDArray x, NDArray w) {
    return x.getNDArrayInternal()
        .convolution(x, w, null, new Shape(1, 1), new Shape(1, 1), new Shape(1, 1), 1)
        .head();
  }
}
