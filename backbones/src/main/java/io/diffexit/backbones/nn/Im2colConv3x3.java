package io.diffexit.backbones.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;

/**
 * A 3×3 convolution with stride 1 and zero padding 1 ("same" size), computed as im2col (pad, nine shifted views,
 * one matrix product) instead of DJL's {@code Conv2d}: the U-ViT's output convolution. {@link NativeConv3x3} is the
 * same block through PyTorch's convolution kernel.
 *
 * <p>Why: with DJL 0.36 / PyTorch 2.7.1 on CPU and two intra-op threads, the gradient of a 3×3 {@code Conv2d} with
 * respect to its <i>input</i> came out different on every call and turned to NaN within a few steps, once with glibc
 * heap corruption ("corrupted double-linked list"); with one intra-op thread, or for 1×1 kernels, it was stable. This
 * block avoids that kernel (the U-Net, trained later, uses the native kernel under {@code ONEDNN_MAX_CPU_ISA=SSE41}
 * instead, which makes it exact).
 */
public final class Im2colConv3x3 extends Conv3x3Block {

  /**
   * @param inChannels input channels
   * @param outChannels output channels (filters)
   */
  public Im2colConv3x3(int inChannels, int outChannels) {
    super(inChannels, outChannels);
  }

  @Override
  protected NDArray convolve(NDArray x, NDArray weight, NDArray bias) {
    Shape s = x.getShape();
    long b = s.get(0);
    long h = s.get(2);
    long w = s.get(3);
    NDArray padded = x.pad(new Shape(1, 1, 1, 1), 0f);
    NDList shifted = new NDList(9);
    for (int dy = 0; dy < 3; dy++) {
      for (int dx = 0; dx < 3; dx++) {
        shifted.add(padded.get(new NDIndex().addAllDim(2).addSliceDim(dy, dy + h).addSliceDim(dx, dx + w)));
      }
    }
    // (B, in, 9, H, W): column index in*9 + ky*3 + kx, the row-major order of weight (out, in, 3, 3)
    NDArray columns = NDArrays.stack(shifted, 2).reshape(b, inChannels() * 9L, h * w).transpose(0, 2, 1);
    NDArray kernel = weight.reshape(outChannels(), inChannels() * 9L);
    kernel.attach(x.getManager()); // a reshape of a parameter lands in the parameter's manager; keep it per call
    NDArray out = Linear.linear(columns, kernel, bias).head();
    return out.transpose(0, 2, 1).reshape(b, outChannels(), h, w);
  }
}
