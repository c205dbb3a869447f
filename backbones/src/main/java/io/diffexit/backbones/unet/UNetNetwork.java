package io.diffexit.backbones.unet;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.diffexit.api.ExitPointSpec;
import io.diffexit.api.HiddenLayout;
import io.diffexit.api.SinusoidalTimeEmbedding;
import io.diffexit.backbones.nn.DeviceConstants;
import io.diffexit.backbones.nn.NativeConv2d;
import io.diffexit.backbones.nn.ParameterSink;
import io.diffexit.backbones.nn.SeededInitializer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The U-Net's parameters and layers as one DJL block (so the harness trains, saves and loads it as a whole); the
 * forward logic lives in {@link UNetPass}. All parameters are registered directly on this block with dotted names
 * ({@code enc1.res0.conv1.weight}) and known shapes, so {@code initialize} needs no shape inference.
 *
 * <p>As a plain DJL block, {@code forward([x, t])} returns the last exit point's ε prediction.
 */
final class UNetNetwork extends AbstractBlock {

  private static final byte VERSION = 1;

  /** One resolution level: its residual blocks, the attention after each (or null), and its resampling convolution. */
  record Level(
      int height,
      int width,
      int channels,
      List<ResBlock> blocks,
      List<SelfAttention> attentions,
      NativeConv2d resample) {}

  final UNetConfig config;
  final DeviceConstants constants;
  final TimeConditioning time;
  final NativeConv2d input;
  /** Encoder levels, highest resolution first; {@code resample} is the stride-2 convolution that ends the level. */
  final List<Level> encoder;
  final ResBlock middle1;
  final SelfAttention middleAttention;
  final ResBlock middle2;
  /**
   * Decoder levels in execution order, lowest resolution first; {@code resample} is the nearest-upsampling
   * convolution that starts the level (null for the first).
   */
  final List<Level> decoder;
  /** One head per exit point: the middle block, then every decoder level. */
  final List<ExitHead> heads;

  UNetNetwork(UNetConfig config, long seed, DeviceConstants constants, SinusoidalTimeEmbedding timeEmbedding) {
    super(VERSION);
    this.config = config;
    this.constants = constants;
    ParameterSink sink =
        (name, type, shape, init, fanIn, fanOut) ->
            addParameter(
                Parameter.builder()
                    .setName(name)
                    .setType(type)
                    .optShape(shape)
                    .optInitializer(SeededInitializer.named(init, seed, name, fanIn, fanOut))
                    .build());
    int groups = config.groups();
    int levels = config.levels();
    List<Integer> blockOut = new ArrayList<>();
    UNetConfig.blockChannels(config.base(), config.mult(), config.resBlocks()).forEach(b -> blockOut.add(b[1]));
    this.time = new TimeConditioning(sink, timeEmbedding, config.base(), blockOut);
    this.input =
        new NativeConv2d(sink, "input", config.channels(), config.base(), 3, 1, false, config.height(), config.width());

    int slot = 0;
    int ch = config.base();
    List<Integer> skips = new ArrayList<>();
    skips.add(ch);
    List<Level> enc = new ArrayList<>();
    for (int i = 0; i < levels; i++) {
      int h = config.levelHeight(i);
      int w = config.levelWidth(i);
      int out = config.levelChannels(i);
      boolean attend = config.attention() && i == levels - 1;
      List<ResBlock> blocks = new ArrayList<>();
      List<SelfAttention> attentions = new ArrayList<>();
      for (int k = 0; k < config.resBlocks(); k++) {
        String name = "enc" + i + ".res" + k;
        blocks.add(new ResBlock(sink, name, ch, out, h, w, groups, config.dropout(), slot++));
        attentions.add(attend ? new SelfAttention(sink, "enc" + i + ".attn" + k, out, config.heads(), h, w, groups) : null);
        ch = out;
        skips.add(ch);
      }
      NativeConv2d down = null;
      if (i < levels - 1) {
        down =
            new NativeConv2d(
                sink, "enc" + i + ".down", ch, ch, 3, 2, false, config.levelHeight(i + 1), config.levelWidth(i + 1));
        skips.add(ch);
      }
      enc.add(new Level(h, w, out, List.copyOf(blocks), Collections.unmodifiableList(attentions), down));
    }
    this.encoder = List.copyOf(enc);

    int lh = config.levelHeight(levels - 1);
    int lw = config.levelWidth(levels - 1);
    this.middle1 = new ResBlock(sink, "mid.res0", ch, ch, lh, lw, groups, config.dropout(), slot++);
    this.middleAttention =
        config.attention() ? new SelfAttention(sink, "mid.attn", ch, config.heads(), lh, lw, groups) : null;
    this.middle2 = new ResBlock(sink, "mid.res1", ch, ch, lh, lw, groups, config.dropout(), slot++);

    List<ExitHead> exitHeads = new ArrayList<>();
    exitHeads.add(head(sink, "head.mid", ch, lh, lw, false));
    List<Level> dec = new ArrayList<>();
    for (int i = levels - 1; i >= 0; i--) {
      int h = config.levelHeight(i);
      int w = config.levelWidth(i);
      int out = config.levelChannels(i);
      boolean attend = config.attention() && i == levels - 1;
      NativeConv2d up = i == levels - 1 ? null : new NativeConv2d(sink, "dec" + i + ".up", ch, ch, 3, 1, false, h, w);
      List<ResBlock> blocks = new ArrayList<>();
      List<SelfAttention> attentions = new ArrayList<>();
      for (int k = 0; k <= config.resBlocks(); k++) {
        int skip = skips.remove(skips.size() - 1);
        String name = "dec" + i + ".res" + k;
        blocks.add(new ResBlock(sink, name, ch + skip, out, h, w, groups, config.dropout(), slot++));
        attentions.add(attend ? new SelfAttention(sink, "dec" + i + ".attn" + k, out, config.heads(), h, w, groups) : null);
        ch = out;
      }
      dec.add(new Level(h, w, out, List.copyOf(blocks), Collections.unmodifiableList(attentions), up));
      exitHeads.add(head(sink, "head." + exitName(h, w), ch, h, w, i == 0));
    }
    this.decoder = List.copyOf(dec);
    this.heads = List.copyOf(exitHeads);
  }

  /** @param last whether this is the last exit point (the network's output, an ε head whatever the target) */
  private ExitHead head(ParameterSink sink, String name, int channels, int h, int w, boolean last) {
    boolean x0 = !last && config.exitTarget() == UNetConfig.ExitTarget.X0;
    return new ExitHead(
        sink, name, channels, h, w, config.groups(), config.channels(), config.height(), config.width(), x0);
  }

  /** @return whether some exit head predicts x̂₀, so that passes need x_t and ᾱ */
  boolean hasX0Heads() {
    return heads.stream().anyMatch(ExitHead::predictsX0);
  }

  /** @return {@code up<h>} for a square map, else {@code up<h>x<w>} */
  static String exitName(int h, int w) {
    return h == w ? "up" + h : "up" + h + "x" + w;
  }

  /** @return MACs per image of {@link UNetPass}'s embedding: the time MLP with every block's projection, and conv_in */
  long embedMacs() {
    return time.macs() + input.macs();
  }

  /**
   * The exit points and their costs. Segment 0 is the whole encoder plus the middle block; segment j ≥ 1 is decoder
   * level j−1 (in execution order) including the upsampling convolution that starts it. {@code layer} counts executed
   * stages: each encoder level is one, the middle block one, each decoder level one.
   */
  List<ExitPointSpec> exitPoints() {
    List<ExitPointSpec> specs = new ArrayList<>();
    int levels = config.levels();
    long encoderMacs = 0;
    for (Level level : encoder) {
      encoderMacs += levelMacs(level);
    }
    long middleMacs = middle1.macs() + middle2.macs() + (middleAttention == null ? 0 : middleAttention.macs());
    Level lowest = encoder.get(levels - 1);
    specs.add(spec(0, "mid", levels + 1, lowest.channels(), lowest.height(), lowest.width(), encoderMacs + middleMacs));
    for (int j = 0; j < decoder.size(); j++) {
      Level level = decoder.get(j);
      specs.add(
          spec(
              j + 1,
              exitName(level.height(), level.width()),
              levels + 2 + j,
              level.channels(),
              level.height(),
              level.width(),
              levelMacs(level)));
    }
    return specs;
  }

  private ExitPointSpec spec(int index, String name, int layer, int channels, int h, int w, long segmentMacs) {
    int scale = (config.height() + h - 1) / h;
    return new ExitPointSpec(
        index,
        name,
        layer,
        new Shape(channels, h, w),
        HiddenLayout.featureMap(scale, h, w, channels),
        segmentMacs,
        heads.get(index).macs(),
        resumeMacs(index));
  }

  /**
   * @return MACs per image of {@link UNetPass#resume} at exit point {@code index}: the encoder levels whose skips the
   *     decoder levels after it consume (the {@code levels − index} finest), with the downsampling between them
   */
  long resumeMacs(int index) {
    int recomputed = recomputedLevels(index);
    long macs = 0;
    for (int i = 0; i < recomputed; i++) {
      Level level = encoder.get(i);
      for (ResBlock b : level.blocks()) {
        macs += b.macs();
      }
      for (SelfAttention a : level.attentions()) {
        macs += a == null ? 0 : a.macs();
      }
      if (i < recomputed - 1 && level.resample() != null) {
        macs += level.resample().macs();
      }
    }
    return macs;
  }

  /** @return the encoder levels a pass resumed at exit point {@code index} recomputes: one per later decoder level */
  int recomputedLevels(int index) {
    return config.levels() - index;
  }

  private static long levelMacs(Level level) {
    long macs = level.resample() == null ? 0 : level.resample().macs();
    for (ResBlock b : level.blocks()) {
      macs += b.macs();
    }
    for (SelfAttention a : level.attentions()) {
      macs += a == null ? 0 : a.macs();
    }
    return macs;
  }

  /** @return the number of trainable scalars */
  long parameterCount() {
    long n = 0;
    for (Parameter p : getParameters().values()) {
      n += p.getShape().size();
    }
    return n;
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    // only the last head runs here, which predicts ε whatever the exit target: no schedule needed
    UNetPass pass = new UNetPass(this, ps, inputs.get(0), inputs.get(1), training, null);
    while (pass.position() < pass.exitPoints() - 1) {
      pass.advance();
    }
    return new NDList(pass.head());
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {inputShapes[0]};
  }

  /** Initialises every parameter (shapes are known up front). */
  void initialize(ai.djl.ndarray.NDManager manager) {
    initialize(
        manager,
        DataType.FLOAT32,
        new Shape(1, config.channels(), config.height(), config.width()),
        new Shape(1));
  }
}
