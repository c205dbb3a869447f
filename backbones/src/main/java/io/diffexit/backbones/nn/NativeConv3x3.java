package io.diffexit.backbones.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;

/**
 * A 3×3 "same" convolution block through PyTorch's native {@code conv2d}: the same parameters and result as
 * {@link Im2colConv3x3}, so the two are interchangeable on a checkpoint, but a whole U-ViT training step with its
 * 16–32-channel head convolutions runs 1.3× faster on this project's CPUs.
 *
 * <p>Its input gradient is exact only with {@code ONEDNN_MAX_CPU_ISA=SSE41} (set by {@code bin/diffexit} and the
 * tests, checked by the trainer; see {@link NativeConv2d}).
 */
public final class NativeConv3x3 extends Conv3x3Block {

  private static final Shape UNIT = new Shape(1, 1);

  /**
   * @param inChannels input channels
   * @param outChannels output channels (filters)
   */
  public NativeConv3x3(int inChannels, int outChannels) {
    super(inChannels, outChannels);
  }

  @Override
  protected NDArray convolve(NDArray x, NDArray weight, NDArray bias) {
    return Conv2d.conv2d(x, weight, bias, UNIT, UNIT, UNIT, 1).head();
  }
}
