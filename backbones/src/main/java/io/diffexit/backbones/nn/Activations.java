package io.diffexit.backbones.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/** Activation functions DJL has in another form than the backbones need. */
public final class Activations {

  private Activations() {}

  /** @return SiLU(x) = x·σ(x), in x's manager (two ops; DJL's swish adds a scalar multiply) */
  public static NDArray silu(NDArray x) {
    return x.mul(Activation.sigmoid(x));
  }
}
