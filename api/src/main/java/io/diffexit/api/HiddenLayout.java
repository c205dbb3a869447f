package io.diffexit.api;

/**
 * How a hidden state relates to image pixels, so that strategies (e.g. DeeDiff's per-pixel uncertainty map) work
 * with transformers and CNNs alike without knowing which backbone they run on.
 *
 * @param kind tokens (B, N, D) or a feature map (B, C, h, w)
 * @param prefixTokens tokens before the patch tokens (time token, label token) that carry no pixels; 0 for maps
 * @param patchSize pixels per patch side for tokens; for a feature map the image-to-map scale factor (H / h)
 * @param gridHeight patch rows, or feature-map height
 * @param gridWidth patch columns, or feature-map width
 * @param features D for tokens, C for feature maps
 */
public record HiddenLayout(Kind kind, int prefixTokens, int patchSize, int gridHeight, int gridWidth, int features) {

  /** The two layouts the built-in strategies understand. */
  public enum Kind {
    /** (B, prefixTokens + gridHeight·gridWidth, features), patch tokens in row-major order */
    TOKENS,
    /** (B, features, gridHeight, gridWidth) */
    FEATURE_MAP
  }

  /** @return a token layout */
  public static HiddenLayout tokens(int prefixTokens, int patchSize, int gridHeight, int gridWidth, int features) {
    return new HiddenLayout(Kind.TOKENS, prefixTokens, patchSize, gridHeight, gridWidth, features);
  }

  /** @return a feature-map layout */
  public static HiddenLayout featureMap(int scale, int height, int width, int channels) {
    return new HiddenLayout(Kind.FEATURE_MAP, 0, scale, height, width, channels);
  }
}
