package io.diffexit.backbones.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;

/**
 * A k×k convolution with bias, "same" padding (k/2) and stride 1 or 2, at a known output resolution, through
 * PyTorch's native {@code conv2d}; its parameters are registered on a {@link ParameterSink} (the U-Net's layers).
 * {@link Im2colConv3x3} computes the 3×3, stride-1 case as a matrix product instead.
 *
 * <p>Training relies on PyTorch's native convolution backward, which is exact only with oneDNN limited to SSE4.1 on
 * the project's AVX-512 machines ({@code ONEDNN_MAX_CPU_ISA=SSE41}, set by {@code bin/diffexit} and the tests; the
 * harness's trainer checks it before the first step).
 */
public final class NativeConv2d {

  private static final Shape DILATION = new Shape(1, 1);

  private final Parameter weight;
  private final Parameter bias;
  private final int in;
  private final int out;
  private final int kernel;
  private final Shape stride;
  private final Shape padding;
  private final int outHeight;
  private final int outWidth;

  /**
   * @param sink where the parameters {@code name.weight} and {@code name.bias} are registered
   * @param name the layer's dotted name
   * @param in input channels
   * @param out output channels
   * @param kernel kernel size k (odd)
   * @param stride 1 or 2
   * @param zeroInit whether the weight starts at zero (DDPM's last layer of each residual branch and output)
   * @param outHeight output height, for the cost model
   * @param outWidth output width, for the cost model
   */
  public NativeConv2d(
      ParameterSink sink,
      String name,
      int in,
      int out,
      int kernel,
      int stride,
      boolean zeroInit,
      int outHeight,
      int outWidth) {
    this.in = in;
    this.out = out;
    this.kernel = kernel;
    this.stride = new Shape(stride, stride);
    this.padding = new Shape(kernel / 2, kernel / 2);
    this.outHeight = outHeight;
    this.outWidth = outWidth;
    long k2 = (long) kernel * kernel;
    this.weight =
        sink.add(
            name + ".weight",
            Parameter.Type.WEIGHT,
            new Shape(out, in, kernel, kernel),
            zeroInit ? SeededInitializer.Kind.ZEROS : SeededInitializer.Kind.XAVIER,
            in * k2,
            out * k2);
    this.bias = sink.add(name + ".bias", Parameter.Type.BIAS, new Shape(out), SeededInitializer.Kind.ZEROS, 0, 0);
  }

  /**
   * @param x (B, in, H, W)
   * @return (B, out, H/stride, W/stride), in x's manager
   */
  public NDArray apply(ParameterStore ps, NDArray x, boolean training) {
    NDArray w = ps.getValue(weight, x.getDevice(), training);
    NDArray b = ps.getValue(bias, x.getDevice(), training);
    return Conv2d.conv2d(x, w, b, stride, padding, DILATION, 1).head();
  }

  /** @return MACs per image: out_numel × C_in × k² */
  public long macs() {
    return (long) outHeight * outWidth * out * in * kernel * kernel;
  }

  /** @return output channels */
  public int outChannels() {
    return out;
  }
}
