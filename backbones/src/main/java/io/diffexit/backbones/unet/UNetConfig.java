package io.diffexit.backbones.unet;

import io.diffexit.api.ParamSpec;
import io.diffexit.api.Params;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The architecture of a {@link UNetBackbone}: a DDPM-style U-Net (Ho et al. 2020) sized by a base width and one channel
 * multiplier per resolution level.
 *
 * <p>Level {@code i} works at resolution {@code ceil(H / 2^i) × ceil(W / 2^i)} with {@code base × mult[i]} channels;
 * every level but the last ends with a stride-2 convolution. With the defaults (28×28, {@code mult=1;2;2}) the levels
 * are 28×28×32, 14×14×64 and 7×7×64.
 *
 * @param channels image channels C
 * @param height image height H
 * @param width image width W
 * @param base channels of the first level (and of the sinusoidal time embedding; the time MLP has 4 × base units)
 * @param mult channel multiplier per resolution level, highest resolution first
 * @param resBlocks residual blocks per encoder level (the decoder has one more per level, as in DDPM)
 * @param attention whether a self-attention block follows every residual block at the lowest resolution (encoder,
 *     middle and decoder)
 * @param heads attention heads (must divide the lowest level's channels)
 * @param groups GroupNorm groups (must divide every normalised channel count)
 * @param dropout dropout rate inside residual blocks, active only in training
 * @param exitTarget what the heads of the exits below full resolution predict ({@link ExitTarget}); the last exit's
 *     head always predicts ε, so the setting does not change what plain training trains
 */
public record UNetConfig(
    int channels,
    int height,
    int width,
    int base,
    List<Integer> mult,
    int resBlocks,
    boolean attention,
    int heads,
    int groups,
    double dropout,
    ExitTarget exitTarget) {

  /** What a lower-resolution exit head predicts. */
  public enum ExitTarget {
    /** ε at the exit's resolution, nearest-neighbour upsampled to the image (DDPM's head at every exit). */
    EPS("eps"),
    /**
     * x̂₀ at the exit's resolution, bilinearly upsampled and turned into ε with the full-resolution input:
     * ε = (x_t − √ᾱ·up(x̂₀))/√(1−ᾱ). The noise of x_t passes through, which an ε predicted at 7×7 cannot carry.
     */
    X0("x0");

    private final String text;

    ExitTarget(String text) {
      this.text = text;
    }

    /** @return the parameter value, {@code eps} or {@code x0} */
    public String text() {
      return text;
    }

    static ExitTarget parse(String v) {
      for (ExitTarget t : values()) {
        if (t.text.equals(v)) {
          return t;
        }
      }
      throw new IllegalArgumentException(OWNER + ": parameter 'exit-target' must be eps or x0, got '" + v + "'");
    }
  }

  /** The factory name; also used in error messages. */
  static final String OWNER = "backbone 'unet'";

  /** The parameters {@link UNetFactory} accepts, with their defaults. */
  static final List<ParamSpec> PARAMS =
      List.of(
          ParamSpec.optional("channels", 1, "image channels, in [1, 64]"),
          ParamSpec.optional("height", 28, "image height in pixels, in [2, 1024]"),
          ParamSpec.optional("width", 28, "image width in pixels, in [2, 1024]"),
          ParamSpec.optional("base", 32, "channels of the first level, even, in [2, 1024]; level i has base*mult[i]"),
          ParamSpec.optional(
              "mult", "1;2;2", "';'-separated channel multiplier per resolution level (each in [1, 16]); "
                  + "every level but the last halves the resolution"),
          ParamSpec.optional("res-blocks", 2, "residual blocks per encoder level, in [1, 8] (decoder: one more)"),
          ParamSpec.optional("attention", true, "self-attention after every residual block at the lowest resolution"),
          ParamSpec.optional("heads", 1, "attention heads, in [1, 64]; must divide the lowest level's channels"),
          ParamSpec.optional("groups", 8, "GroupNorm groups, in [1, 1024]; must divide every normalised channel count"),
          ParamSpec.optional("dropout", 0.0, "dropout rate in residual blocks during training, in [0, 0.9]"),
          ParamSpec.optional("exit-target", "eps", "what the exit heads below full resolution predict: eps, or x0 at"
              + " the exit's resolution, upsampled and turned into eps with the full-resolution x_t (needs the noise"
              + " schedule; the last head is eps either way)"));

  /** Validates and copies. */
  public UNetConfig {
    mult = List.copyOf(mult);
    java.util.Objects.requireNonNull(exitTarget, "exitTarget");
    check(channels >= 1 && channels <= 64, "channels", "[1, 64]", channels);
    check(height >= 2 && height <= 1024, "height", "[2, 1024]", height);
    check(width >= 2 && width <= 1024, "width", "[2, 1024]", width);
    check(base >= 2 && base <= 1024, "base", "[2, 1024]", base);
    if (base % 2 != 0) {
      throw new IllegalArgumentException(
          OWNER + ": parameter 'base' must be even (the sinusoidal time embedding has base/2 frequencies), got " + base);
    }
    if (mult.isEmpty() || mult.size() > 8) {
      throw new IllegalArgumentException(
          OWNER + ": parameter 'mult' must list 1 to 8 levels, got " + mult.size());
    }
    for (int m : mult) {
      check(m >= 1 && m <= 16, "mult", "[1, 16] for every level", m);
    }
    check(resBlocks >= 1 && resBlocks <= 8, "res-blocks", "[1, 8]", resBlocks);
    check(heads >= 1 && heads <= 64, "heads", "[1, 64]", heads);
    check(groups >= 1 && groups <= 1024, "groups", "[1, 1024]", groups);
    if (!(dropout >= 0 && dropout <= 0.9)) {
      throw new IllegalArgumentException(OWNER + ": parameter 'dropout' must be in [0, 0.9], got " + dropout);
    }
    int maxLevels = maxLevels(height, width);
    if (mult.size() > maxLevels) {
      throw new IllegalArgumentException(
          OWNER + ": parameter 'mult' has " + mult.size() + " levels but a " + height + "x" + width
              + " image can be halved only " + (maxLevels - 1) + " times; use at most " + maxLevels + " levels");
    }
    int lowest = base * mult.get(mult.size() - 1);
    if (attention && lowest % heads != 0) {
      throw new IllegalArgumentException(
          OWNER + ": parameter 'heads' must divide the lowest level's " + lowest + " channels, got " + heads);
    }
    for (int c : normalisedChannels(base, mult, resBlocks, attention)) {
      if (c % groups != 0) {
        throw new IllegalArgumentException(
            OWNER + ": parameter 'groups' must divide every normalised channel count "
                + normalisedChannels(base, mult, resBlocks, attention) + ", got " + groups + " (which does not divide "
                + c + ")");
      }
    }
  }

  /** @return the default architecture (28×28×1, base 32, mult 1;2;2, 2 residual blocks, attention) */
  public static UNetConfig defaults() {
    return fromParams(Params.empty());
  }

  /**
   * @param params the user's parameters; unknown keys and malformed values fail with a message naming them
   * @return the validated architecture
   */
  public static UNetConfig fromParams(Params params) {
    Params p = params.forOwner(OWNER).requireKnownSpecs(PARAMS);
    return new UNetConfig(
        p.getInt("channels", 1),
        p.getInt("height", 28),
        p.getInt("width", 28),
        p.getInt("base", 32),
        parseMult(p.getString("mult", "1;2;2")),
        p.getInt("res-blocks", 2),
        p.getBoolean("attention", true),
        p.getInt("heads", 1),
        p.getInt("groups", 8),
        p.getDouble("dropout", 0.0),
        ExitTarget.parse(p.getString("exit-target", "eps")));
  }

  /** @return every parameter with its value, in the form {@link #fromParams(Params)} reads */
  public Params toParams() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("channels", Integer.toString(channels));
    m.put("height", Integer.toString(height));
    m.put("width", Integer.toString(width));
    m.put("base", Integer.toString(base));
    StringJoiner j = new StringJoiner(";");
    mult.forEach(v -> j.add(Integer.toString(v)));
    m.put("mult", j.toString());
    m.put("res-blocks", Integer.toString(resBlocks));
    m.put("attention", Boolean.toString(attention));
    m.put("heads", Integer.toString(heads));
    m.put("groups", Integer.toString(groups));
    m.put("dropout", Double.toString(dropout));
    m.put("exit-target", exitTarget.text());
    return Params.of(m);
  }

  /** @return the number of resolution levels */
  public int levels() {
    return mult.size();
  }

  /** @return channels of level {@code i} */
  public int levelChannels(int i) {
    return base * mult.get(i);
  }

  /** @return feature-map height of level {@code i}: ceil(H / 2^i), what stride-2 convolutions with padding 1 give */
  public int levelHeight(int i) {
    return halved(height, i);
  }

  /** @return feature-map width of level {@code i} */
  public int levelWidth(int i) {
    return halved(width, i);
  }

  /** @return the width of the time embedding MLP (4 × base, as in DDPM) */
  public int timeChannels() {
    return 4 * base;
  }

  private static int halved(int size, int times) {
    int s = size;
    for (int k = 0; k < times; k++) {
      s = (s + 1) / 2;
    }
    return s;
  }

  private static int maxLevels(int height, int width) {
    int levels = 1;
    int h = height;
    int w = width;
    while (Math.min(h, w) >= 2) {
      h = (h + 1) / 2;
      w = (w + 1) / 2;
      levels++;
    }
    return levels;
  }

  /** The channel count at every GroupNorm of the network, in order of first appearance. */
  private static List<Integer> normalisedChannels(int base, List<Integer> mult, int resBlocks, boolean attention) {
    List<Integer> seen = new ArrayList<>();
    for (int[] b : blockChannels(base, mult, resBlocks)) {
      addOnce(seen, b[0]);
      addOnce(seen, b[1]);
    }
    return seen;
  }

  private static void addOnce(List<Integer> list, int v) {
    if (!list.contains(v)) {
      list.add(v);
    }
  }

  /**
   * The (input, output) channels of every residual block in execution order: encoder, middle, decoder (with the
   * concatenated skip in the decoder's input). Attention blocks and exit heads normalise a block's output channels.
   */
  static List<int[]> blockChannels(int base, List<Integer> mult, int resBlocks) {
    List<int[]> blocks = new ArrayList<>();
    List<Integer> skips = new ArrayList<>();
    int ch = base;
    skips.add(ch);
    for (int i = 0; i < mult.size(); i++) {
      int out = base * mult.get(i);
      for (int k = 0; k < resBlocks; k++) {
        blocks.add(new int[] {ch, out});
        ch = out;
        skips.add(ch);
      }
      if (i < mult.size() - 1) {
        skips.add(ch);
      }
    }
    blocks.add(new int[] {ch, ch});
    blocks.add(new int[] {ch, ch});
    for (int i = mult.size() - 1; i >= 0; i--) {
      int out = base * mult.get(i);
      for (int k = 0; k <= resBlocks; k++) {
        int skip = skips.remove(skips.size() - 1);
        blocks.add(new int[] {ch + skip, out});
        ch = out;
      }
    }
    return blocks;
  }

  private static List<Integer> parseMult(String text) {
    List<Integer> out = new ArrayList<>();
    for (String part : text.split(";", -1)) {
      try {
        out.add(Integer.parseInt(part.trim()));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            OWNER + ": parameter 'mult' must be ';'-separated integers such as 1;2;2, got '" + text + "'");
      }
    }
    return out;
  }

  private static void check(boolean ok, String key, String range, int value) {
    if (!ok) {
      throw new IllegalArgumentException(OWNER + ": parameter '" + key + "' must be in " + range + ", got " + value);
    }
  }
}
