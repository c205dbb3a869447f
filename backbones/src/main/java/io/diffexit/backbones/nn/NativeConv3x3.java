package io.diffexit.backbones.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A 3×3 convolution with stride 1 and zero padding 1 as a DJL block, through PyTorch's native {@code conv2d}: the
 * same operation and parameter layout as {@link Im2colConv3x3} (weight (out, in, 3, 3), bias (out)), so the two are
 * interchangeable on a checkpoint, but about twice as fast to train at 16–32 channels on this project's CPUs.
 *
 * <p>Its input gradient is exact only with {@code ONEDNN_MAX_CPU_ISA=SSE41} (set by {@code bin/diffexit} and the
 * tests, checked by the trainer; see {@link NativeConv2d}). Input (B, in, H, W); output (B, out, H, W). MACs per
 * image: 9·in·out·H·W.
 */
public final class NativeConv3x3 extends AbstractBlock {

  private static final byte VERSION = 1;
  private static final Shape UNIT = new Shape(1, 1);

  private final int inChannels;
  private final int outChannels;
  private final Parameter weight;
  private final Parameter bias;

  /**
   * @param inChannels input channels
   * @param outChannels output channels (filters)
   */
  public NativeConv3x3(int inChannels, int outChannels) {
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

  /** @return input channels */
  public int inChannels() {
    return inChannels;
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.head();
    Shape s = x.getShape();
    if (s.dimension() != 4 || s.get(1) != inChannels) {
      throw new IllegalArgumentException("3x3 conv: input must be (B, " + inChannels + ", H, W), got " + s);
    }
    NDArray w = ps.getValue(weight, x.getDevice(), training);
    NDArray b = ps.getValue(bias, x.getDevice(), training);
    return Conv2d.conv2d(x, w, b, UNIT, UNIT, UNIT, 1);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape s = inputShapes[0];
    return new Shape[] {new Shape(s.get(0), outChannels, s.get(2), s.get(3))};
  }
}
