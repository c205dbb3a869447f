package io.diffexit.backbones.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/** Small functional pieces shared by the U-Net's layers. */
final class Ops {

  private Ops() {}

  /** @return SiLU(x) = x·σ(x), in x's manager (two ops; DJL's swish adds a scalar multiply) */
  static NDArray silu(NDArray x) {
    return x.mul(Activation.sigmoid(x));
  }

  /** @return x resized to (h, w) by nearest-neighbour interpolation, or x itself when it already has that size */
  static NDArray resizeNearest(NDArray x, long h, long w) {
    if (x.getShape().get(2) == h && x.getShape().get(3) == w) {
      return x;
    }
    return x.getNDArrayInternal().interpolation(new long[] {h, w}, 0, false);
  }
}
