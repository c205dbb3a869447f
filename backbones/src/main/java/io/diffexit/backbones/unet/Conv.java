package io.diffexit.backbones.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;

/** A k×k convolution with bias, "same" padding (k/2) and stride 1 or 2, at a known output resolution. */
final class Conv {

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
   * @param zeroInit whether the weight starts at zero (DDPM's last layer of each residual branch and output)
   * @param outHeight output height, for the cost model
   * @param outWidth output width, for the cost model
   */
  Conv(
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

  NDArray apply(ParameterStore ps, NDArray x, boolean training) {
    NDArray w = ps.getValue(weight, x.getDevice(), training);
    NDArray b = ps.getValue(bias, x.getDevice(), training);
    if (training && kernel > 1) {
      return viaPointwise(x, w, b, kernel, (int) stride.get(0));
    }
    return Conv2d.conv2d(x, w, b, stride, padding, DILATION, 1).head();
  }

  /**
   * The same k×k convolution (padding k/2) as one 1×1 convolution over the k² shifted copies of the input stacked
   * along the channel axis (im2col). Used when gradients are recorded: with PyTorch 2.7.1 on this project's CPUs the
   * backward pass of a native k×k convolution intermittently produced NaN input gradients, while 1×1 convolutions
   * did not. Costs the same MACs, k² times the input memory and about 2k²+3 more ops.
   */
  static NDArray viaPointwise(NDArray x, NDArray w, NDArray b, int k, int stride) {
    long c = x.getShape().get(1);
    long h = x.getShape().get(2);
    long wd = x.getShape().get(3);
    int p = k / 2;
    long outH = (h + 2L * p - k) / stride + 1;
    long outW = (wd + 2L * p - k) / stride + 1;
    NDArray padded = x.pad(new Shape(p, p, p, p), 0);
    NDList shifted = new NDList(k * k);
    for (int dy = 0; dy < k; dy++) {
      for (int dx = 0; dx < k; dx++) {
        shifted.add(
            padded.get(
                new NDIndex(
                    ":, :, {}:{}:{}, {}:{}:{}",
                    dy, dy + stride * (outH - 1) + 1, stride, dx, dx + stride * (outW - 1) + 1, stride)));
      }
    }
    NDArray columns = NDArrays.concat(shifted, 1); // channel index (dy·k + dx)·C + c
    NDArray w1 = w.transpose(0, 2, 3, 1).reshape(w.getShape().get(0), (long) k * k * c, 1, 1);
    return Conv2d.conv2d(columns, w1, b).head();
  }

  /** @return MACs per image: out_numel × C_in × k² */
  long macs() {
    return (long) outHeight * outWidth * out * in * kernel * kernel;
  }

  int outChannels() {
    return out;
  }
}
