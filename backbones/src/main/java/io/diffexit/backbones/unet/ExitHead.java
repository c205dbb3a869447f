package io.diffexit.backbones.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import io.diffexit.backbones.nn.Activations;
import io.diffexit.backbones.nn.BilinearResize;
import io.diffexit.backbones.nn.DeviceConstants;
import io.diffexit.backbones.nn.GroupNorm;
import io.diffexit.backbones.nn.NativeConv2d;
import io.diffexit.backbones.nn.NearestResize;
import io.diffexit.backbones.nn.ParameterSink;

/**
 * The head g_i of one exit point: GroupNorm → SiLU → 3×3 convolution to the image channels at the exit point's
 * resolution. An ε head then upsamples by nearest neighbour to the image size (at the last exit point it is the
 * U-Net's usual output layer); an x̂₀ head ({@link UNetConfig.ExitTarget#X0}) upsamples bilinearly and leaves the
 * conversion to ε with the full-resolution x_t to {@link UNetPass}. The convolution starts at zero, as DDPM's output
 * layer does.
 */
final class ExitHead {

  private final GroupNorm norm;
  private final NativeConv2d conv;
  private final int height;
  private final int width;
  private final int imageChannels;
  private final int imageHeight;
  private final int imageWidth;
  private final boolean predictsX0;

  ExitHead(
      ParameterSink sink,
      String name,
      int channels,
      int height,
      int width,
      int groups,
      int imageChannels,
      int imageHeight,
      int imageWidth,
      boolean predictsX0) {
    this.norm = new GroupNorm(sink, name + ".norm", groups, channels);
    this.conv = new NativeConv2d(sink, name + ".conv", channels, imageChannels, 3, 1, true, height, width);
    this.height = height;
    this.width = width;
    this.imageChannels = imageChannels;
    this.imageHeight = imageHeight;
    this.imageWidth = imageWidth;
    this.predictsX0 = predictsX0;
  }

  /** @return whether {@link #apply} gives x̂₀ (to be turned into ε by the pass) rather than ε */
  boolean predictsX0() {
    return predictsX0;
  }

  /** @return the prediction at the image size: ε, or x̂₀ when {@link #predictsX0()} */
  NDArray apply(ParameterStore ps, NDArray h, boolean training, DeviceConstants k) {
    NDArray out = conv.apply(ps, Activations.silu(norm.apply(ps, h, training, k)), training);
    return predictsX0
        ? BilinearResize.resize(out, imageHeight, imageWidth, k)
        : NearestResize.resize(out, imageHeight, imageWidth, k);
  }

  /**
   * @return MACs per image of the convolution, plus for an x̂₀ head the bilinear upsampling (two matrix products per
   *     channel) and the conversion to ε (two per pixel: √ᾱ·x̂₀ and the scaling by 1/√(1−ᾱ)); nearest upsampling
   *     copies values and costs no MACs
   */
  long macs() {
    if (!predictsX0) {
      return conv.macs();
    }
    long pixels = (long) imageChannels * imageHeight * imageWidth;
    return conv.macs() + imageChannels * BilinearResize.macs(height, width, imageHeight, imageWidth) + 2 * pixels;
  }
}
