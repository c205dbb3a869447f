package io.diffexit.backbones.nn;

import ai.djl.ndarray.NDArray;

/**
 * Bilinear resize of (B, C, h, w) to (B, C, outH, outW) with PyTorch's {@code align_corners=False} convention: output
 * row i samples input row s = (i + ½)·h/outH − ½, clamped at 0, between floor(s) and the next row (clamped at h − 1).
 * It is separable, so it runs as two matrix products with cached interpolation matrices, A_h · x · A_wᵀ: plain,
 * differentiable DJL ops.
 */
public final class BilinearResize {

  private BilinearResize() {}

  /**
   * @param x (B, C, h, w)
   * @param outH output height
   * @param outW output width
   * @param k where the interpolation matrices are cached
   * @return the resized array in x's manager, or x itself when it already has that size
   */
  public static NDArray resize(NDArray x, long outH, long outW, DeviceConstants k) {
    long h = x.getShape().get(2);
    long w = x.getShape().get(3);
    if (h == outH && w == outW) {
      return x;
    }
    NDArray aw = k.get(x.getDevice(), "bilinear-t/" + w + "/" + outW,
        m -> m.create(matrix((int) w, (int) outW)).reshape(outW, w).transpose());
    NDArray ah = k.get(x.getDevice(), "bilinear/" + h + "/" + outH,
        m -> m.create(matrix((int) h, (int) outH)).reshape(outH, h));
    return ah.matMul(x.matMul(aw));
  }

  /** @return MACs per channel of resizing an h×w map to outH×outW this way (the two matrix products) */
  public static long macs(long h, long w, long outH, long outW) {
    return h == outH && w == outW ? 0 : h * w * outW + outH * h * outW;
  }

  /** @return the (out × in) interpolation matrix, row-major */
  static float[] matrix(int in, int out) {
    float[] a = new float[out * in];
    double scale = (double) in / out;
    for (int i = 0; i < out; i++) {
      double s = Math.max(0.0, (i + 0.5) * scale - 0.5);
      int i0 = Math.min((int) Math.floor(s), in - 1);
      int i1 = Math.min(i0 + 1, in - 1);
      double lambda = s - i0;
      a[i * in + i0] += (float) (1 - lambda);
      a[i * in + i1] += (float) lambda;
    }
    return a;
  }
}
