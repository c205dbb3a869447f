package io.diffexit.backbones.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The convolutions of this package compute the same 3×3 "same" convolution, by im2col and by PyTorch's kernel. */
class ConvolutionsTest {

  /** A block that owns the parameters a {@link NativeConv2d} registers, as the U-Net's network block does. */
  private static final class Holder extends AbstractBlock {
    final NativeConv2d conv;

    Holder(int in, int out, int kernel, int stride, int outH, int outW) {
      ParameterSink sink = (name, type, shape, init, fanIn, fanOut) -> addParameter(Parameter.builder()
          .setName(name).setType(type).optShape(shape)
          .optInitializer(SeededInitializer.named(init, 5, name, fanIn, fanOut)).build());
      conv = new NativeConv2d(sink, "conv", in, out, kernel, stride, false, outH, outW);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList in, boolean training, PairList<String, Object> p) {
      return new NDList(conv.apply(ps, in.head(), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
      return inputShapes;
    }
  }

  @Test
  void im2colAndTheNativeKernelGiveTheSameThreeByThreeConvolutionWithTorchsWeightLayout() {
    try (NDManager m = NDManager.newBaseManager()) {
      Holder holder = new Holder(3, 2, 3, 1, 5, 4);
      holder.initialize(m, DataType.FLOAT32, new Shape(1, 3, 5, 4));
      Im2colConv3x3 im2col = new Im2colConv3x3(3, 2);
      im2col.setInitializer(SeededInitializer.uniform(0.5, new Random(1)), Parameter.Type.BIAS);
      im2col.initialize(m, DataType.FLOAT32, new Shape(1, 3, 5, 4));
      // same weight (2, 3, 3, 3) and bias in both
      holder.getParameters().get("conv.weight").getArray().set(
          im2col.getParameters().get("weight").getArray().toFloatArray());
      holder.getParameters().get("conv.bias").getArray().set(
          im2col.getParameters().get("bias").getArray().toFloatArray());
      NDArray x = m.randomNormal(new Shape(2, 3, 5, 4));
      ParameterStore ps = new ParameterStore(m, false);
      NDArray a = im2col.forward(ps, new NDList(x), false).head();
      NDArray b = holder.forward(ps, new NDList(x), false).head();
      assertThat(a.getShape()).isEqualTo(new Shape(2, 2, 5, 4));
      assertThat(a.sub(b).abs().max().getFloat()).isLessThan(1e-5f);
      // one output by hand: output (0, 1, 0, 0) sees the zero padding on its top and left
      float[] w = im2col.getParameters().get("weight").getArray().toFloatArray();
      float[] xv = x.toFloatArray();
      double expected = im2col.getParameters().get("bias").getArray().toFloatArray()[1];
      for (int c = 0; c < 3; c++) {
        for (int ky = 1; ky < 3; ky++) {
          for (int kx = 1; kx < 3; kx++) {
            expected += w[((1 * 3 + c) * 3 + ky) * 3 + kx] * xv[(c * 5 + ky - 1) * 4 + kx - 1];
          }
        }
      }
      assertThat((double) a.toFloatArray()[20]).isCloseTo(expected, within(1e-5));
    }
  }

  @Test
  void theNativeThreeByThreeBlockEqualsIm2colInOutputAndInputGradient() {
    try (NDManager m = NDManager.newBaseManager()) {
      Im2colConv3x3 im2col = new Im2colConv3x3(4, 3);
      im2col.setInitializer(SeededInitializer.uniform(0.5, new Random(2)), Parameter.Type.BIAS);
      im2col.initialize(m, DataType.FLOAT32, new Shape(1, 4, 6, 5));
      NativeConv3x3 nativeConv = new NativeConv3x3(4, 3);
      nativeConv.initialize(m, DataType.FLOAT32, new Shape(1, 4, 6, 5));
      for (String name : new String[] {"weight", "bias"}) {
        nativeConv.getParameters().get(name).getArray().set(
            im2col.getParameters().get(name).getArray().toFloatArray());
      }
      assertThat(nativeConv.inChannels()).isEqualTo(4);
      NDArray upstream = m.randomNormal(new Shape(2, 3, 6, 5));
      float[] input = m.randomNormal(new Shape(2, 4, 6, 5)).toFloatArray();
      NDArray[] outputs = new NDArray[2];
      NDArray[] gradients = new NDArray[2];
      AbstractBlock[] blocks = {im2col, nativeConv};
      for (int i = 0; i < 2; i++) {
        NDArray x = m.create(input, new Shape(2, 4, 6, 5));
        x.setRequiresGradient(true);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          NDArray y = blocks[i].forward(new ParameterStore(m, false), new NDList(x), true).head();
          gc.backward(y.mul(upstream).sum());
          outputs[i] = y.duplicate();
          gradients[i] = x.getGradient().duplicate();
        }
      }
      assertThat(outputs[0].sub(outputs[1]).abs().max().getFloat()).isLessThan(1e-5f);
      assertThat(gradients[0].sub(gradients[1]).abs().max().getFloat()).isLessThan(1e-5f);
    }
  }

  @Test
  void theNativeConvolutionCountsMacsAtItsOutputResolution() {
    Holder stride2 = new Holder(4, 8, 3, 2, 4, 4);
    assertThat(stride2.conv.macs()).isEqualTo(4L * 4 * 8 * 4 * 9);
    assertThat(stride2.conv.outChannels()).isEqualTo(8);
  }

  @Test
  void im2colRefusesInputsWithAnotherChannelCount() {
    try (NDManager m = NDManager.newBaseManager()) {
      Im2colConv3x3 conv = new Im2colConv3x3(3, 2);
      conv.initialize(m, DataType.FLOAT32, new Shape(1, 3, 4, 4));
      assertThatThrownBy(() -> conv.forward(new ParameterStore(m, false), new NDList(m.zeros(new Shape(1, 2, 4, 4))),
              false))
          .hasMessage("3x3 conv: input must be (B, 3, H, W), got (1, 2, 4, 4)");
      assertThatThrownBy(() -> new Im2colConv3x3(0, 2)).hasMessage("3x3 conv: channels must be >= 1, got in=0, out=2");
    }
  }
}
