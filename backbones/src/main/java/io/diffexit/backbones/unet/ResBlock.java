package io.diffexit.backbones.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import io.diffexit.backbones.nn.Activations;
import io.diffexit.backbones.nn.DeviceConstants;
import io.diffexit.backbones.nn.GroupNorm;
import io.diffexit.backbones.nn.NativeConv2d;
import io.diffexit.backbones.nn.ParameterSink;

/**
 * DDPM's residual block: {@code h = conv1(SiLU(GN(x))) + proj(SiLU(temb))}, {@code h = conv2(dropout(SiLU(GN(h))))},
 * {@code out = shortcut(x) + h}, where the shortcut is a 1×1 convolution when the channel count changes. conv2 starts at
 * zero, so every block starts as the identity. The time projection is not held here: all blocks' projections are one
 * fused linear layer in {@link TimeConditioning}, and the block receives its (B, C_out, 1, 1) slice.
 */
final class ResBlock {

  private final GroupNorm norm1;
  private final NativeConv2d conv1;
  private final GroupNorm norm2;
  private final NativeConv2d conv2;
  private final NativeConv2d shortcut;
  private final float dropout;
  private final int timeSlot;

  /**
   * @param timeSlot index of this block's slice of the fused time projection
   */
  ResBlock(
      ParameterSink sink,
      String name,
      int in,
      int out,
      int height,
      int width,
      int groups,
      double dropout,
      int timeSlot) {
    this.norm1 = new GroupNorm(sink, name + ".norm1", groups, in);
    this.conv1 = new NativeConv2d(sink, name + ".conv1", in, out, 3, 1, false, height, width);
    this.norm2 = new GroupNorm(sink, name + ".norm2", groups, out);
    this.conv2 = new NativeConv2d(sink, name + ".conv2", out, out, 3, 1, true, height, width);
    this.shortcut = in == out ? null : new NativeConv2d(sink, name + ".shortcut", in, out, 1, 1, false, height, width);
    this.dropout = (float) dropout;
    this.timeSlot = timeSlot;
  }

  /**
   * @param time the fused time projections, one (B, C_out, 1, 1) array per residual block
   */
  NDArray apply(ParameterStore ps, NDArray x, TimeConditioning.Projections time, boolean training, DeviceConstants k) {
    NDArray h = conv1.apply(ps, Activations.silu(norm1.apply(ps, x, training, k)), training).add(time.slot(timeSlot));
    h = Activations.silu(norm2.apply(ps, h, training, k));
    if (training && dropout > 0) {
      h = Dropout.dropout(h, dropout, true).head();
    }
    h = conv2.apply(ps, h, training);
    NDArray skip = shortcut == null ? x : shortcut.apply(ps, x, training);
    return skip.add(h);
  }

  int outChannels() {
    return conv1.outChannels();
  }

  /** @return MACs per image of the two 3×3 convolutions and the 1×1 shortcut (the time projection is in the embedding) */
  long macs() {
    return conv1.macs() + conv2.macs() + (shortcut == null ? 0 : shortcut.macs());
  }
}
