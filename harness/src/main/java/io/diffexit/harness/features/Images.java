package io.diffexit.harness.features;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;

/** Channel conversions shared by the extractors. */
public final class Images {

  private Images() {}

  /**
   * Grey from RGB with the ITU-R 601-2 luma weights PIL's {@code convert('L')} uses: L = 0.299 R + 0.587 G + 0.114 B.
   *
   * @param rgb (B, 3, H, W)
   * @return (B, 1, H, W), owned by {@code rgb}'s manager
   */
  public static NDArray luma(NDArray rgb) {
    NDArray r = rgb.get(new NDIndex(":, 0:1"));
    NDArray g = rgb.get(new NDIndex(":, 1:2"));
    NDArray b = rgb.get(new NDIndex(":, 2:3"));
    NDArray out = r.mul(0.299f).addi(g.mul(0.587f)).addi(b.mul(0.114f));
    r.close();
    g.close();
    b.close();
    return out;
  }
}
