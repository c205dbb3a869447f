package io.diffexit.harness.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.ParameterList;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Copies parameter values in place between blocks. The copy runs with autograd off: a freshly initialised parameter
 * records gradients, and PyTorch refuses an in-place write into such a leaf while grad mode is on.
 */
public final class ParameterCopy {

  private ParameterCopy() {}

  /**
   * Copies every parameter of {@code from} into the parameter at the same position of {@code to}.
   *
   * @throws IllegalStateException when the blocks have different numbers of parameters
   */
  public static void copyAll(Block from, Block to) {
    ParameterList a = from.getParameters();
    ParameterList b = to.getParameters();
    if (a.size() != b.size()) {
      throw new IllegalStateException("parameter copy: the target has " + b.size() + " parameters, the source "
          + a.size());
    }
    boolean grad = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try {
      for (int i = 0; i < a.size(); i++) {
        a.get(i).getValue().getArray().copyTo(b.get(i).getValue().getArray());
      }
    } finally {
      JniUtils.setGradMode(grad);
    }
  }

  /** Copies {@code from}'s values into {@code to} (same shape). */
  public static void copy(NDArray from, NDArray to) {
    boolean grad = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try {
      from.copyTo(to);
    } finally {
      JniUtils.setGradMode(grad);
    }
  }
}
