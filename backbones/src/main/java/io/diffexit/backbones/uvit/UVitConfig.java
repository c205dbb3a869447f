package io.diffexit.backbones.uvit;

import io.diffexit.api.ParamSpec;
import io.diffexit.api.Params;
import java.util.List;
import java.util.Locale;

/**
 * The architecture of a U-ViT (baofff/U-ViT libs/uvit.py, unconditional, {@code mlp_time_embed=False}), validated.
 *
 * <p>{@code depth} counts <b>all</b> transformer blocks: (depth-1)/2 in-blocks, one mid-block and (depth-1)/2
 * out-blocks. U-ViT's own {@code depth=12} is {@code depth=13} here (U-ViT-S, "13 layers" in the paper).
 *
 * @param channels image channels C
 * @param height image height H
 * @param width image width W
 * @param patch patch side p
 * @param dim token width D
 * @param depth number of transformer blocks, odd, &gt;= 3
 * @param heads attention heads; D must be divisible by it
 * @param mlpRatio MLP hidden width as a multiple of D (hidden = floor(D·ratio), as timm's Mlp)
 * @param qkvBias whether the fused qkv projection has a bias
 * @param convHead whether the head ends with U-ViT's 3×3 conv (C→C); ignored when {@code headChannels > 0}
 * @param headChannels 0 for U-ViT's own head; K &gt; 0 for the convolutional head: the tokens decode to K channels
 *     per pixel, which are concatenated with K full-resolution stem features of the input and refined by two 3×3
 *     convolutions (2K→K, SiLU, K→C). It removes the patch grid that the linear per-patch decoder leaves.
 * @param vPrediction whether the head predicts v = √ᾱ·ε − √(1−ᾱ)·x₀ instead of ε; every exit then returns
 *     ε̂ = √(1−ᾱ)·x_t + √ᾱ·v̂, which needs the noise schedule (BackboneContext) and makes ε̂ ≈ x_t at high noise
 * @param perExitHeads whether every exit point but the last has a head of its own (same architecture as the final
 *     head) instead of sharing the final one; a fine-tune can then train the exits over a frozen trunk and final head,
 *     so the full-depth model stays the base's bit for bit (a base with shared heads starts each exit head as a copy
 *     of its final head)
 * @param exitSkip with per-exit heads, what each of them reads of the outermost pending long skip (the output of
 *     {@code in0}, which otherwise only the last block reads): nothing, [hidden, in0's output] through a Linear(2D → D)
 *     of its own ({@code outer}), or a whole out-block of its own on the hidden state and that skip ({@code block});
 *     a base without them starts each skip linear from the last block's, and each block as the identity
 */
public record UVitConfig(
    int channels,
    int height,
    int width,
    int patch,
    int dim,
    int depth,
    int heads,
    double mlpRatio,
    boolean qkvBias,
    boolean convHead,
    int headChannels,
    boolean vPrediction,
    boolean perExitHeads,
    ExitSkip exitSkip) {

  /**
   * What an early exit's own head reads besides its hidden state (parameter {@code exit-skip}).
   *
   * <p>At small noise the early exits' whole gap to the last head is closed by the last block, the only one that
   * reads {@code in0}'s output; {@code block} gives each early exit such a block of its own.
   */
  public enum ExitSkip {
    /** The hidden state alone (U-ViT's exits). */
    NONE,
    /** [hidden, in0's output] through a Linear(2D → D) of the exit's own, then its head. */
    OUTER,
    /** An out-block of the exit's own (skip linear on [hidden, in0's output], attention, MLP), then its head. */
    BLOCK;

    /** @return the parameter value: none, outer or block */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** The factory name, used in messages. */
  static final String OWNER = "backbone 'uvit'";

  /** The parameters the {@code uvit} factory accepts, with defaults for Fashion-MNIST. */
  public static final List<ParamSpec> SPECS =
      List.of(
          ParamSpec.optional("channels", 1, "image channels C (1 for Fashion-MNIST, 3 for RGB)"),
          ParamSpec.optional("height", 28, "image height in pixels; a multiple of patch"),
          ParamSpec.optional("width", 28, "image width in pixels; a multiple of patch"),
          ParamSpec.optional("patch", 4, "patch side p in pixels; tokens = 1 time token + (H/p)(W/p) patch tokens"),
          ParamSpec.optional("dim", 96, "token width D; a multiple of heads"),
          ParamSpec.optional(
              "depth", 13, "number of transformer blocks, odd and >= 3: (depth-1)/2 in, 1 mid, (depth-1)/2 out;"
                  + " one exit point after each (U-ViT's depth=12 is 13 here)"),
          ParamSpec.optional("heads", 4, "attention heads; head width = dim/heads"),
          ParamSpec.optional("mlp-ratio", 4.0, "MLP hidden width as a multiple of dim, > 0"),
          ParamSpec.optional("qkv-bias", false, "whether the fused qkv projection has a bias (U-ViT: false)"),
          ParamSpec.optional("conv-head", true, "whether the head ends with a 3x3 conv C->C (U-ViT: true)"),
          ParamSpec.optional(
              "head-channels", 0, "0 = U-ViT's linear patch decoder; K > 0 = decode to K channels per pixel, concat"
                  + " K stem features of the input, then 3x3 convs 2K->K, SiLU, K->C (no patch grid)"),
          ParamSpec.optional(
              "prediction", "eps", "what the head predicts: eps (U-ViT), or v (v = sqrt(abar) eps - sqrt(1-abar) x0;"
                  + " eps = sqrt(1-abar) x_t + sqrt(abar) v, so high-noise eps is x_t itself)"),
          ParamSpec.optional(
              "exit-heads", "shared", "shared = every exit point uses the final head (U-ViT, AdaDiff); per-exit ="
                  + " each earlier exit point has a head of its own, so a fine-tune can freeze the trunk"
                  + " (finetune --freeze-trunk --backbone-param exit-heads=per-exit starts them as copies of the"
                  + " final head)"),
          ParamSpec.optional(
              "exit-skip", "none", "none; outer = with exit-heads=per-exit each early exit's head first fuses its"
                  + " hidden state with in0's output (the long skip only the last block reads) via its own"
                  + " Linear(2D->D), started from the last block's skip linear; block = each early exit runs an"
                  + " out-block of its own on [hidden, in0's output] before its head, started as the identity"));

  /** Validates the architecture; messages name the parameter and what would fix it. */
  public UVitConfig {
    requirePositive("channels", channels);
    requirePositive("height", height);
    requirePositive("width", width);
    requirePositive("patch", patch);
    requirePositive("dim", dim);
    requirePositive("heads", heads);
    if (height % patch != 0 || width % patch != 0) {
      throw new IllegalArgumentException(
          OWNER + ": image " + height + "x" + width + " is not divisible into " + patch + "x" + patch
              + " patches; choose a patch that divides both height and width");
    }
    if (depth < 3 || depth % 2 == 0) {
      throw new IllegalArgumentException(
          OWNER + ": parameter 'depth' must be odd and >= 3 ((depth-1)/2 in-blocks, 1 mid, (depth-1)/2 out-blocks),"
              + " got " + depth);
    }
    if (dim % heads != 0) {
      throw new IllegalArgumentException(
          OWNER + ": parameter 'dim' (" + dim + ") must be divisible by 'heads' (" + heads
              + "); e.g. dim=" + (dim / heads + 1) * heads);
    }
    if (dim < 2) {
      throw new IllegalArgumentException(OWNER + ": parameter 'dim' must be >= 2 for the time embedding, got " + dim);
    }
    if (headChannels < 0) {
      throw new IllegalArgumentException(
          OWNER + ": parameter 'head-channels' must be 0 (U-ViT's head) or >= 1 (the convolutional head), got "
              + headChannels);
    }
    if (exitSkip == null) {
      throw new IllegalArgumentException(OWNER + ": parameter 'exit-skip' must be none, outer or block, got null");
    }
    if (exitSkip != ExitSkip.NONE && !perExitHeads) {
      throw new IllegalArgumentException(
          OWNER + ": parameter 'exit-skip=" + exitSkip.label() + "' gives each early exit's own head a skip input; it"
              + " needs exit-heads=per-exit");
    }
    if (!(mlpRatio > 0) || !Double.isFinite(mlpRatio) || Math.floor(dim * mlpRatio) < 1) {
      throw new IllegalArgumentException(
          OWNER + ": parameter 'mlp-ratio' must be > 0 and give an MLP width dim*ratio >= 1, got " + mlpRatio);
    }
  }

  /** U-ViT's own head ({@code head-channels=0}), as before that option existed. */
  public UVitConfig(
      int channels,
      int height,
      int width,
      int patch,
      int dim,
      int depth,
      int heads,
      double mlpRatio,
      boolean qkvBias,
      boolean convHead) {
    this(channels, height, width, patch, dim, depth, heads, mlpRatio, qkvBias, convHead, 0, false, false,
        ExitSkip.NONE);
  }

  private static boolean parsePrediction(String v) {
    if (!v.equals("eps") && !v.equals("v")) {
      throw new IllegalArgumentException(OWNER + ": parameter 'prediction' must be eps or v, got '" + v + "'");
    }
    return v.equals("v");
  }

  private static boolean parseExitHeads(String v) {
    if (!v.equals("shared") && !v.equals("per-exit")) {
      throw new IllegalArgumentException(
          OWNER + ": parameter 'exit-heads' must be shared or per-exit, got '" + v + "'");
    }
    return v.equals("per-exit");
  }

  private static ExitSkip parseExitSkip(String v) {
    for (ExitSkip s : ExitSkip.values()) {
      if (s.label().equals(v)) {
        return s;
      }
    }
    throw new IllegalArgumentException(
        OWNER + ": parameter 'exit-skip' must be none, outer or block, got '" + v + "'");
  }

  private static void requirePositive(String name, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(OWNER + ": parameter '" + name + "' must be >= 1, got " + value);
    }
  }

  /**
   * Reads and validates a configuration; unknown keys fail naming the known ones.
   *
   * @param params user parameters (missing ones take the Fashion-MNIST defaults of {@link #SPECS})
   * @return the configuration
   */
  public static UVitConfig from(Params params) {
    Params p = params.forOwner(OWNER).requireKnownSpecs(SPECS);
    return new UVitConfig(
        p.getInt("channels", 1, 1, 64),
        p.getInt("height", 28, 1, 4096),
        p.getInt("width", 28, 1, 4096),
        p.getInt("patch", 4, 1, 4096),
        p.getInt("dim", 96, 2, 16384),
        p.getInt("depth", 13, 1, 999),
        p.getInt("heads", 4, 1, 1024),
        p.getDouble("mlp-ratio", 4.0),
        p.getBoolean("qkv-bias", false),
        p.getBoolean("conv-head", true),
        p.getInt("head-channels", 0, 0, 4096),
        parsePrediction(p.getString("prediction", "eps")),
        parseExitHeads(p.getString("exit-heads", "shared")),
        parseExitSkip(p.getString("exit-skip", "none")));
  }

  /**
   * @return every parameter written out, so that {@link #from} rebuilds exactly this configuration; {@code
   *     head-channels}, {@code prediction}, {@code exit-heads} and {@code exit-skip} only when they are not U-ViT's
   *     (0, eps, shared, none), so that those configurations read as before the options existed
   */
  public Params toParams() {
    Params params = Params.empty()
        .with("channels", channels)
        .with("height", height)
        .with("width", width)
        .with("patch", patch)
        .with("dim", dim)
        .with("depth", depth)
        .with("heads", heads)
        .with("mlp-ratio", mlpRatio)
        .with("qkv-bias", qkvBias)
        .with("conv-head", convHead);
    if (headChannels > 0) {
      params = params.with("head-channels", headChannels);
    }
    if (vPrediction) {
      params = params.with("prediction", "v");
    }
    if (perExitHeads) {
      params = params.with("exit-heads", "per-exit");
    }
    if (exitSkip != ExitSkip.NONE) {
      params = params.with("exit-skip", exitSkip.label());
    }
    return params.forOwner(OWNER);
  }

  /** @return patch rows H/p */
  public int gridHeight() {
    return height / patch;
  }

  /** @return patch columns W/p */
  public int gridWidth() {
    return width / patch;
  }

  /** @return number of patch tokens N = (H/p)(W/p) */
  public int patchTokens() {
    return gridHeight() * gridWidth();
  }

  /** @return number of tokens T = 1 (time) + N */
  public int tokens() {
    return 1 + patchTokens();
  }

  /** @return values per patch p²C (the head's output width per token) */
  public int patchValues() {
    return patch * patch * channels;
  }

  /** @return whether the head is the convolutional one ({@code head-channels > 0}) */
  public boolean convolutionalHead() {
    return headChannels > 0;
  }

  /** @return the decoder's output width per token: p²K with the convolutional head, else p²C */
  public int decodedValues() {
    return patch * patch * (convolutionalHead() ? headChannels : channels);
  }

  /** @return the width of one attention head, D/heads */
  public int headDim() {
    return dim / heads;
  }

  /** @return MLP hidden width floor(D·mlpRatio) */
  public int mlpHidden() {
    return (int) Math.floor(dim * mlpRatio);
  }

  /** @return number of in-blocks (= out-blocks), (depth-1)/2 */
  public int sideBlocks() {
    return (depth - 1) / 2;
  }
}
