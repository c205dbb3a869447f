package io.diffexit.backbones.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.diffexit.backbones.nn.DeviceConstants;
import io.diffexit.backbones.nn.GroupNorm;
import io.diffexit.backbones.nn.NativeConv2d;
import io.diffexit.backbones.nn.ParameterSink;

/**
 * DDPM's spatial self-attention block: {@code x + proj(attention(qkv(GN(x))))} over the h·w positions, with a fused 1×1
 * qkv convolution, {@code heads} heads, softmax(QKᵀ/√d) and a zero-initialised 1×1 output projection.
 */
final class SelfAttention {

  private final GroupNorm norm;
  private final NativeConv2d qkv;
  private final NativeConv2d proj;
  private final int channels;
  private final int heads;
  private final int height;
  private final int width;
  private final float scale;

  SelfAttention(ParameterSink sink, String name, int channels, int heads, int height, int width, int groups) {
    this.norm = new GroupNorm(sink, name + ".norm", groups, channels);
    this.qkv = new NativeConv2d(sink, name + ".qkv", channels, 3 * channels, 1, 1, false, height, width);
    this.proj = new NativeConv2d(sink, name + ".proj", channels, channels, 1, 1, true, height, width);
    this.channels = channels;
    this.heads = heads;
    this.height = height;
    this.width = width;
    this.scale = (float) (1.0 / Math.sqrt(channels / (double) heads));
  }

  NDArray apply(ParameterStore ps, NDArray x, boolean training, DeviceConstants k) {
    Shape s = x.getShape();
    long b = s.get(0);
    long n = s.get(2) * s.get(3);
    long d = channels / heads;
    NDArray qkvMap = qkv.apply(ps, norm.apply(ps, x, training, k), training).reshape(b, 3, heads, d, n);
    NDList parts = qkvMap.split(3, 1); // each (B, 1, heads, d, N)
    NDArray q = parts.get(0);
    NDArray key = parts.get(1);
    NDArray v = parts.get(2);
    NDArray weights =
        q.transpose(0, 1, 2, 4, 3).matMul(key).mul(k.scalar(x.getDevice(), scale)).softmax(-1); // (B,1,heads,N,N)
    NDArray attended = v.matMul(weights.transpose(0, 1, 2, 4, 3)).reshape(s); // (B,1,heads,d,N) -> (B,C,h,w)
    return x.add(proj.apply(ps, attended, training));
  }

  /** @return MACs per image: qkv (3NC²) and output (NC²) projections plus QKᵀ and AV (N²C each) */
  long macs() {
    long n = (long) height * width;
    return qkv.macs() + proj.macs() + 2 * n * n * channels;
  }
}
