package io.diffexit.backbones.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;

/**
 * Nearest-neighbour resize of (B, C, h, w) to (B, C, outH, outW): output row i reads input row floor(i·h/outH), as
 * PyTorch's {@code nearest} mode. Integer factors use {@code repeat_interleave}; other sizes gather rows and columns
 * with cached index arrays. Plain, differentiable DJL ops (instead of the engine-internal
 * {@code NDArrayEx.interpolation}, whose {@code alignCorners} argument the PyTorch engine ignores).
 */
public final class NearestResize {

  private NearestResize() {}

  /**
   * @param x (B, C, h, w)
   * @param outH output height
   * @param outW output width
   * @param k where the gather indices are cached
   * @return the resized array in x's manager, or x itself when it already has that size
   */
  public static NDArray resize(NDArray x, long outH, long outW, DeviceConstants k) {
    long h = x.getShape().get(2);
    long w = x.getShape().get(3);
    NDArray y = x;
    if (outH != h) {
      y = outH % h == 0 ? y.repeat(2, outH / h) : y.get(new NDIndex(":, :, {}", indices(k, x, h, outH)));
    }
    if (outW != w) {
      y = outW % w == 0 ? y.repeat(3, outW / w) : y.get(new NDIndex(":, :, :, {}", indices(k, x, w, outW)));
    }
    return y;
  }

  private static NDArray indices(DeviceConstants k, NDArray x, long in, long out) {
    return k.get(
        x.getDevice(),
        "nearest/" + in + "/" + out,
        m -> {
          long[] idx = new long[(int) out];
          for (int i = 0; i < out; i++) {
            idx[i] = i * in / out;
          }
          return m.create(idx);
        });
  }
}
