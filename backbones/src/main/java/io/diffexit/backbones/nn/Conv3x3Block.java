package io.diffexit.backbones.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A 3×3 convolution with stride 1 and zero padding 1 ("same" size) as a DJL block with torch's parameter layout,
 * weight (out, in, 3, 3) and bias (out), so that a checkpoint matches an {@code nn.Conv2d(in, out, 3, padding=1)}.
 * Subclasses say how it is computed ({@link Im2colConv3x3}, {@link NativeConv3x3}); they agree to rounding.
 *
 * <p>Input (B, in, H, W); output (B, out, H, W). MACs per image: 9·in·out·H·W.
 */
public abstract class Conv3x3Block extends AbstractBlock {

  private static final byte VERSION = 1;

  private final int inChannels;
  private final int outChannels;
  private final Parameter weight;
  private final Parameter bias;

  /**
   * @param inChannels input channels
   * @param outChannels output channels (filters)
   */
  protected Conv3x3Block(int inChannels, int outChannels) {
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

  /** @return output channels */
  public int outChannels() {
    return outChannels;
  }

  /**
   * @param x the checked input (B, in, H, W)
   * @param w the weight (out, in, 3, 3)
   * @param b the bias (out)
   * @return the convolution (B, out, H, W), in x's manager
   */
  protected abstract NDArray convolve(NDArray x, NDArray w, NDArray b);

  @Override
  protected final NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.head();
    Shape s = x.getShape();
    if (s.dimension() != 4 || s.get(1) != inChannels) {
      throw new IllegalArgumentException("3x3 conv: input must be (B, " + inChannels + ", H, W), got " + s);
    }
    return new NDList(
        convolve(x, ps.getValue(weight, x.getDevice(), training), ps.getValue(bias, x.getDevice(), training)));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape s = inputShapes[0];
    return new Shape[] {new Shape(s.get(0), outChannels, s.get(2), s.get(3))};
  }
}
