package io.diffexit.strategies;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.diffexit.api.ExitPointSpec;
import io.diffexit.api.HiddenLayout;

/**
 * Turns hidden states into per-position feature rows and per-position values into per-pixel maps (and back), using
 * only a {@link HiddenLayout}, so that DeeDiff's UEM and BERxiT's LTE work on U-ViT tokens and U-Net feature maps
 * alike without backbone-specific code.
 *
 * <p>A <em>position</em> is a patch token (prefix tokens such as the time token are dropped) or a feature-map cell.
 * Per-position values are laid out as U-ViT's {@code unpatchify} expects: for tokens the last axis holds
 * {@code p·p·C} values in (row-in-patch, column-in-patch, channel) order, i.e. einops
 * {@code B (h w) (p1 p2 C) -> B C (h p1) (w p2)}; for feature maps it holds C values, and the map is upsampled to the
 * image by nearest neighbour (each cell covers {@code scale × scale} pixels).
 *
 * <p>All results belong to the manager of the array passed in.
 */
public final class PixelMaps {

  private PixelMaps() {}

  /**
   * @param layout a hidden layout
   * @return the number of positions: patch tokens (prefix tokens excluded) or feature-map cells
   */
  public static long positions(HiddenLayout layout) {
    return (long) layout.gridHeight() * layout.gridWidth();
  }

  /**
   * @param layout a hidden layout
   * @param channels image channels C
   * @return values per position that cover its pixels: p²·C for tokens, C for a feature map (upsampled afterwards)
   */
  public static long valuesPerPosition(HiddenLayout layout, int channels) {
    return layout.kind() == HiddenLayout.Kind.TOKENS
        ? (long) layout.patchSize() * layout.patchSize() * channels
        : channels;
  }

  /**
   * @param hidden (B, prefix + N, D) tokens or (B, C_f, h, w) feature map
   * @param layout its layout
   * @return (B, positions, features): patch tokens without the prefix tokens, or the map's cells in row-major order
   */
  public static NDArray rows(NDArray hidden, HiddenLayout layout) {
    long b = hidden.getShape().get(0);
    if (layout.kind() == HiddenLayout.Kind.TOKENS) {
      return layout.prefixTokens() == 0 ? hidden : hidden.get(new NDIndex(":, {}:", layout.prefixTokens()));
    }
    return hidden.transpose(0, 2, 3, 1).reshape(b, positions(layout), layout.features());
  }

  /**
   * @param hidden a hidden state as for {@link #rows}
   * @param layout its layout
   * @return (B, features): the mean over positions (patch tokens only, or feature-map cells)
   */
  public static NDArray pooled(NDArray hidden, HiddenLayout layout) {
    return rows(hidden, layout).mean(new int[] {1});
  }

  /**
   * The inverse of {@link #fromPixels} for tokens (U-ViT's unpatchify); nearest-neighbour upsampling for feature maps.
   *
   * @param values (B, positions, valuesPerPosition)
   * @param layout the layout the positions come from
   * @param channels image channels C
   * @return (B, C, gridHeight·patchSize, gridWidth·patchSize)
   */
  public static NDArray toPixels(NDArray values, HiddenLayout layout, int channels) {
    long b = values.getShape().get(0);
    long gh = layout.gridHeight();
    long gw = layout.gridWidth();
    long p = layout.patchSize();
    if (layout.kind() == HiddenLayout.Kind.TOKENS) {
      return values.reshape(b, gh, gw, p, p, channels).transpose(0, 5, 1, 3, 2, 4).reshape(b, channels, gh * p, gw * p);
    }
    NDArray map = values.reshape(b, gh, gw, channels).transpose(0, 3, 1, 2);
    if (p == 1) {
      return map;
    }
    // nearest upsampling as expand + reshape: differentiable, no interpolation kernel needed
    return map.reshape(b, channels, gh, 1, gw, 1)
        .broadcast(new Shape(b, channels, gh, p, gw, p))
        .reshape(b, channels, gh * p, gw * p);
  }

  /**
   * Per-pixel values to per-position values: U-ViT's patchify for tokens; the mean over each cell's
   * {@code scale × scale} pixels for feature maps (so {@code fromPixels(toPixels(v)) == v} in both cases).
   *
   * @param pixels (B, C, H, W) with H = gridHeight·patchSize and W = gridWidth·patchSize
   * @param layout the target layout
   * @return (B, positions, valuesPerPosition)
   */
  public static NDArray fromPixels(NDArray pixels, HiddenLayout layout) {
    Shape s = pixels.getShape();
    long b = s.get(0);
    long c = s.get(1);
    long gh = layout.gridHeight();
    long gw = layout.gridWidth();
    long p = layout.patchSize();
    NDArray blocks = pixels.reshape(b, c, gh, p, gw, p);
    if (layout.kind() == HiddenLayout.Kind.TOKENS) {
      return blocks.transpose(0, 2, 4, 3, 5, 1).reshape(b, gh * gw, p * p * c);
    }
    return blocks.mean(new int[] {5}).mean(new int[] {3}).transpose(0, 2, 3, 1).reshape(b, gh * gw, c);
  }

  /**
   * Checks that an exit point's layout agrees with its hidden shape and covers the image exactly.
   *
   * @param owner who asks, for the message, e.g. {@code "exit strategy 'deediff'"}
   * @param point the exit point
   * @param height image height
   * @param width image width
   * @throws IllegalArgumentException naming the exit point and the mismatch
   */
  public static void requireConsistent(String owner, ExitPointSpec point, int height, int width) {
    HiddenLayout l = point.layout();
    Shape expected = l.kind() == HiddenLayout.Kind.TOKENS
        ? new Shape(l.prefixTokens() + positions(l), l.features())
        : new Shape(l.features(), l.gridHeight(), l.gridWidth());
    if (!expected.equals(point.hiddenShape())) {
      throw new IllegalArgumentException(owner + ": exit point '" + point.name() + "' has hidden shape "
          + point.hiddenShape() + " but its layout " + l + " implies " + expected);
    }
    if ((long) l.gridHeight() * l.patchSize() != height || (long) l.gridWidth() * l.patchSize() != width) {
      throw new IllegalArgumentException(owner + ": exit point '" + point.name() + "' layout covers "
          + l.gridHeight() * l.patchSize() + "x" + l.gridWidth() * l.patchSize() + " pixels, but the image is "
          + height + "x" + width);
    }
  }
}
