package io.diffexit.backbones.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A 3×3 convolution with stride 1 and zero padding 1 ("same" size), computed as im2col (pad, nine shifted views,
 * one matrix product) instead of DJL's {@code Conv2d}: the U-ViT's output convolution. It is a DJL block with its own
 * {@code weight} and {@code bias}; {@link NativeConv2d} is the same operation through PyTorch's convolution kernel.
 *
 * <p>Why: with DJL 0.36 / PyTorch 2.7.1 on CPU and two intra-op threads, the gradient of a 3×3 {@code Conv2d} with
 * respect to its <i>input</i> came out different on every call and turned to NaN within a few steps, once with glibc
 * heap corruption ("corrupted double-linked list"); with one intra-op thread, or for 1×1 kernels, it was stable. This
 * block avoids that kernel (the U-Net, trained later, uses the native kernel under {@code ONEDNN_MAX_CPU_ISA=SSE41}
 * instead, which makes it exact). Parameters keep torch's layout: weight (out, in, 3, 3), bias (out), so checkpoints
 * match an {@code nn.Conv2d(in, out, 3, padding=1)}.
 *
 * <p>Input (B, in, H, W); output (B, out, H, W). MACs per image: 9·in·out·H·W.
 */
public final class Im2colConv3x3 extends AbstractBlock {

  private static final byte VERSION = 1;

  private final int inChannels;
  private final int outChannels;
  private final Parameter weight;
  private final Parameter bias;

  /**
   * @param inChannels input channels
   * @param outChannels output channels (filters)
   */
  public Im2colConv3x3(int inChannels, int outChannels) {
    super(VERSION);
    if (inChannels < 1 || outChannels < 1) {
      throw new IllegalArgumentException(
          "3x3 conv: channels must be >= 1, got in=" + inChannels + ", out=" + outChannels);
    }
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.weight =
        addParameter(
            Parameter.builder()
                .setName("weight")
                .setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(outChannels, inChannels, 3, 3))
                .build());
    this.bias =
        addParameter(
            Parameter.builder().setName("bias").setType(Parameter.Type.BIAS).optShape(new Shape(outChannels)).build());
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.head();
    Shape s = x.getShape();
    if (s.dimension() != 4 || s.get(1) != inChannels) {
      throw new IllegalArgumentException("3x3 conv: input must be (B, " + inChannels + ", H, W), got " + s);
    }
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
    NDArray columns = NDArrays.stack(shifted, 2).reshape(b, inChannels * 9L, h * w).transpose(0, 2, 1);
    NDArray kernel = ps.getValue(weight, x.getDevice(), training).reshape(outChannels, inChannels * 9L);
    kernel.attach(x.getManager()); // a reshape of a parameter lands in the parameter's manager; keep it per call
    NDArray out = Linear.linear(columns, kernel, ps.getValue(bias, x.getDevice(), training)).head();
    return new NDList(out.transpose(0, 2, 1).reshape(b, outChannels, h, w));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape s = inputShapes[0];
    return new Shape[] {new Shape(s.get(0), outChannels, s.get(2), s.get(3))};
  }
}
