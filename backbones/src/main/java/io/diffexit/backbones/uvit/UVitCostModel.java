package io.diffexit.backbones.uvit;

/**
 * Analytic multiply-accumulates (MACs) per image of one U-ViT forward evaluation; FLOPs = 2 × MACs.
 *
 * <p>With N = (H/p)(W/p) patch tokens, T = 1 + N tokens (the time token included), D the width and M = floor(D·r) the
 * MLP width:
 *
 * <ul>
 *   <li>patch embedding Conv2d(C, D, p, stride p): N·D·C·p²
 *   <li>each transformer block: fused qkv 3·T·D², output projection T·D², MLP 2·T·D·M (= 8·T·D² for r = 4), and the
 *       attention matmuls QKᵀ and AV T²·D each; so 12·T·D² + 2·T²·D for r = 4
 *   <li>each out-block's skip linear Linear(2D, D): 2·T·D²
 *   <li>the exit head: Linear(D, p²C) on the N patch tokens (the time token is dropped <i>before</i> the linear, which
 *       gives the same result as U-ViT's drop-after, for less work): N·D·p²C; the 3×3 conv C→C: 9·C²·H·W
 *   <li>with the convolutional head ({@code head-channels=K}): the stem conv C→K, 9·C·K·H·W, counted with the
 *       embedding (it runs once per pass); the head's decoder N·D·p²K and its convs 2K→K and K→C, 9·(2K² + K·C)·H·W
 *   <li>with {@code prediction=v}: √(1−ᾱ)·x_t once per pass (C·H·W, with the embedding) and √ᾱ·v̂ + that at each head
 *       evaluation (C·H·W)
 *   <li>with {@code exit-skip=outer}: each early exit's skip linear Linear(2D, D) on [hidden, in0's output], 2·T·D²,
 *       counted with that exit's head ({@code ExitPointSpec.headMacs}); not at the last exit point
 *   <li>with {@code exit-skip=block}: each early exit's out-block, one block and its skip linear (as {@link
 *       #segmentMacs} of an out-block), likewise counted with that exit's head
 * </ul>
 *
 * <p>Not counted: biases, LayerNorms (also the head's), GELU, softmax, the attention scale, residual additions, the
 * sinusoidal time embedding, the position embedding addition, reshapes and the long-skip concatenation.
 */
public final class UVitCostModel {

  private UVitCostModel() {}

  /**
   * @return MACs per image of the patch embedding, N·D·C·p², plus the stem 9·C·K·H·W with the convolutional head and
   *     C·H·W for v prediction's √(1−ᾱ)·x_t
   */
  public static long embedMacs(UVitConfig c) {
    long patches = (long) c.patchTokens() * c.dim() * c.channels() * c.patch() * c.patch();
    long values = (long) c.channels() * c.height() * c.width();
    long stem = 9L * c.headChannels() * values;
    return patches + stem + (c.vPrediction() ? values : 0L);
  }

  /** @return MACs per image of one transformer block: (4·D² + 2·D·M)·T + 2·T²·D */
  public static long blockMacs(UVitConfig c) {
    long t = c.tokens();
    long d = c.dim();
    long linear = t * (3 * d * d + d * d + 2 * d * c.mlpHidden());
    long attention = 2 * t * t * d;
    return linear + attention;
  }

  /** @return MACs per image of one out-block's skip linear, 2·T·D² */
  public static long skipMacs(UVitConfig c) {
    return 2L * c.tokens() * c.dim() * c.dim();
  }

  /**
   * @return MACs per image that an early exit's head adds before its head proper: 0 for {@code exit-skip=none},
   *     {@link #skipMacs} for {@code outer}, {@link #blockMacs} + {@link #skipMacs} for {@code block}
   */
  public static long exitSkipMacs(UVitConfig c) {
    return switch (c.exitSkip()) {
      case NONE -> 0L;
      case OUTER -> skipMacs(c);
      case BLOCK -> blockMacs(c) + skipMacs(c);
    };
  }

  /**
   * @return MACs per image of one head evaluation: N·D·p²C (+ 9·C²·H·W with the conv); with the convolutional head
   *     N·D·p²K + 9·(2K² + K·C)·H·W; plus C·H·W with {@code prediction=v}
   */
  public static long headMacs(UVitConfig c) {
    long linear = (long) c.patchTokens() * c.dim() * c.decodedValues();
    long pixels = (long) c.height() * c.width();
    long k = c.headChannels();
    long conv;
    if (c.convolutionalHead()) {
      conv = 9L * (2 * k * k + k * c.channels()) * pixels;
    } else {
      conv = c.convHead() ? 9L * c.channels() * c.channels() * pixels : 0L;
    }
    long toEpsilon = c.vPrediction() ? (long) c.channels() * pixels : 0L;
    return linear + conv + toEpsilon;
  }

  /**
   * @param index exit point index in [0, depth)
   * @return MACs per image of the segment ending at that exit point: one block, plus its skip linear for out-blocks
   */
  public static long segmentMacs(UVitConfig c, int index) {
    if (index < 0 || index >= c.depth()) {
      throw new IllegalArgumentException("uvit exit point index must be in [0, " + c.depth() + "), got " + index);
    }
    return blockMacs(c) + (index > c.sideBlocks() ? skipMacs(c) : 0L);
  }

  /** @return MACs per image of a full forward pass with only the final head: embed + all segments + one head */
  public static long fullMacs(UVitConfig c) {
    long macs = embedMacs(c) + headMacs(c);
    for (int i = 0; i < c.depth(); i++) {
      macs += segmentMacs(c, i);
    }
    return macs;
  }
}
