package io.diffexit.backbones.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import io.diffexit.backbones.nn.Activations;
import io.diffexit.backbones.nn.DeviceConstants;
import io.diffexit.backbones.nn.GroupNorm;
import io.diffexit.backbones.nn.NativeConv2d;
import io.diffexit.backbones.nn.NearestResize;
import io.diffexit.backbones.nn.ParameterSink;

/**
 * The ε head g_i of one exit point: GroupNorm → SiLU → 3×3 convolution to the image channels at the exit point's
 * resolution, then nearest-neighbour upsampling to the image size. At the last exit point this is the U-Net's usual
 * output layer. The convolution starts at zero, as DDPM's output layer does.
 */
final class ExitHead {

  private final GroupNorm norm;
  private final NativeConv2d conv;
  private final int imageHeight;
  private final int imageWidth;

  ExitHead(
      ParameterSink sink,
      String name,
      int channels,
      int height,
      int width,
      int groups,
      int imageChannels,
      int imageHeight,
      int imageWidth) {
    this.norm = new GroupNorm(sink, name + ".norm", groups, channels);
    this.conv = new NativeConv2d(sink, name + ".conv", channels, imageChannels, 3, 1, true, height, width);
    this.imageHeight = imageHeight;
    this.imageWidth = imageWidth;
  }

  NDArray apply(ParameterStore ps, NDArray h, boolean training, DeviceConstants k) {
    NDArray eps = conv.apply(ps, Activations.silu(norm.apply(ps, h, training, k)), training);
    return NearestResize.resize(eps, imageHeight, imageWidth, k);
  }

  /** @return MACs per image of the convolution (upsampling copies values and costs no MACs) */
  long macs() {
    return conv.macs();
  }
}
