package io.diffexit.backbones.uvit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.diffexit.api.NoiseSchedule;
import io.diffexit.api.SinusoidalTimeEmbedding;
import io.diffexit.backbones.nn.Activations;
import io.diffexit.backbones.nn.NativeConv3x3;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * All parameters of a U-ViT as one DJL block: patch embedding, position embedding, the transformer blocks in
 * execution order (in0.., mid, out0..) and the shared head; with {@code head-channels=K > 0} also the stem, a 3×3
 * conv C→K with SiLU on the input whose features the convolutional head reads; with {@code exit-heads=per-exit} last
 * the heads of exit points in0 … out(n−2), one each, after every other parameter so that the others keep the names and
 * order of a shared-head U-ViT; with {@code exit-skip=outer} after those the skip linears of the same exit points,
 * Linear(2D → D) on [hidden, in0's output], which their heads read instead of the hidden state; with {@code
 * exit-skip=block} instead an out-block for each of them (the last block's architecture), run on the hidden state and
 * in0's output before the head.
 *
 * <p>{@link #forward} runs the whole network: inputs [x (B, C, H, W), t (B)], output [ε̂ (B, C, H, W)]. The early-exit
 * {@link UVitPass} calls {@link #embed}, {@link #block} and {@link #head} one step at a time instead. With {@code
 * prediction=v} both return ε̂ = √ᾱ·v̂ + √(1−ᾱ)·x_t ({@link VParameterization}).
 */
public final class UVitNet extends AbstractBlock {

  private static final byte VERSION = 1;

  private final UVitConfig config;
  private final Conv2d patchEmbed;
  private final Parameter posEmbed;
  private final List<UVitTransformerBlock> blocks;
  private final UVitHead head;
  private final NativeConv3x3 stem;
  private final List<UVitHead> exitHeads; // heads of exit points 0 .. depth-2; empty when they share the final head
  // per exit point 0 .. depth-2 a Linear (exit-skip=outer) or an out-block (exit-skip=block); empty for none
  private final List<Block> exitSkips;
  private final NoiseSchedule schedule;
  private SinusoidalTimeEmbedding timeEmbedding;

  /**
   * @param config the validated architecture
   * @param schedule the forward process, for {@code prediction=v} (null otherwise)
   */
  public UVitNet(UVitConfig config, NoiseSchedule schedule) {
    super(VERSION);
    this.config = config;
    this.schedule = schedule;
    this.patchEmbed =
        addChildBlock(
            "patch_embed",
            Conv2d.builder()
                .setKernelShape(new Shape(config.patch(), config.patch()))
                .optStride(new Shape(config.patch(), config.patch()))
                .setFilters(config.dim())
                .build());
    this.posEmbed =
        addParameter(
            Parameter.builder()
                .setName("pos_embed")
                .setType(Parameter.Type.OTHER)
                .optShape(new Shape(1, config.tokens(), config.dim()))
                .build());
    List<UVitTransformerBlock> list = new ArrayList<>();
    for (int i = 0; i < config.depth(); i++) {
      boolean out = i > config.sideBlocks();
      list.add(
          addChildBlock(
              exitName(config, i),
              new UVitTransformerBlock(config.dim(), config.heads(), config.mlpHidden(), config.qkvBias(), out)));
    }
    this.blocks = List.copyOf(list);
    this.head = addChildBlock("head", new UVitHead(config));
    this.stem =
        config.convolutionalHead()
            ? addChildBlock("stem", new NativeConv3x3(config.channels(), config.headChannels()))
            : null;
    List<UVitHead> own = new ArrayList<>();
    if (config.perExitHeads()) {
      for (int i = 0; i < config.depth() - 1; i++) {
        own.add(addChildBlock("head_" + exitName(config, i), new UVitHead(config)));
      }
    }
    this.exitHeads = List.copyOf(own);
    List<Block> fuse = new ArrayList<>();
    for (int i = 0; i < config.depth() - 1; i++) {
      switch (config.exitSkip()) {
        case OUTER -> fuse.add(
            addChildBlock("skip_" + exitName(config, i), Linear.builder().setUnits(config.dim()).build()));
        case BLOCK -> fuse.add(
            addChildBlock("block_" + exitName(config, i),
                new UVitTransformerBlock(config.dim(), config.heads(), config.mlpHidden(), config.qkvBias(), true)));
        case NONE -> { }
      }
    }
    this.exitSkips = List.copyOf(fuse);
  }

  /** @return the label of exit point {@code index}: in0.., mid, out0.. */
  static String exitName(UVitConfig config, int index) {
    int side = config.sideBlocks();
    if (index < side) {
      return "in" + index;
    }
    return index == side ? "mid" : "out" + (index - side - 1);
  }

  /** @return the architecture */
  public UVitConfig config() {
    return config;
  }

  Conv2d patchEmbed() {
    return patchEmbed;
  }

  Parameter posEmbed() {
    return posEmbed;
  }

  /** @return the final head (also every exit point's with shared heads) */
  UVitHead headBlock() {
    return head;
  }

  /** @return the heads of exit points 0 … depth−2 in that order; empty when every exit shares the final head */
  List<UVitHead> exitHeadBlocks() {
    return exitHeads;
  }

  /**
   * @return the skip linears ({@code exit-skip=outer}) or out-blocks ({@code exit-skip=block}) of exit points 0 …
   *     depth−2 in that order; empty with {@code exit-skip=none}
   */
  List<Block> exitSkipBlocks() {
    return exitSkips;
  }

  /** @return the last transformer block (out(n−1)), which (or whose skip linear) starts the exits' of a base */
  UVitTransformerBlock lastBlock() {
    return blocks.get(blocks.size() - 1);
  }

  /** @return whether the head of {@code exitPoint} reads in0's output besides the hidden state */
  boolean headReadsOuterSkip(int exitPoint) {
    return exitPoint < exitSkips.size();
  }

  /** @return the stem conv, or null without the convolutional head */
  NativeConv3x3 stemBlock() {
    return stem;
  }

  /**
   * @param x images (B, C, H, W)
   * @return SiLU(stem(x)) (B, K, H, W) for the convolutional head, owned by {@code x}'s manager; null without it
   */
  NDArray stem(ParameterStore ps, NDArray x, boolean training) {
    return stem == null ? null : Activations.silu(stem.forward(ps, new NDList(x), training).head());
  }

  /**
   * Patch tokens, the time token in front, plus the position embedding.
   *
   * @param x images (B, C, H, W)
   * @param t model time (B)
   * @return tokens (B, 1+N, D), owned by {@code x}'s manager
   */
  NDArray embed(ParameterStore ps, NDArray x, NDArray t, boolean training) {
    long b = x.getShape().get(0);
    NDArray patches =
        patchEmbed
            .forward(ps, new NDList(x), training)
            .head()
            .reshape(b, config.dim(), config.patchTokens())
            .transpose(0, 2, 1);
    NDArray time = timeEmbedding.embed(t).expandDims(1);
    if (time.getManager() != x.getManager()) {
      time.attach(x.getManager());
    }
    NDArray tokens = NDArrays.concat(new NDList(time, patches), 1);
    return tokens.add(ps.getValue(posEmbed, x.getDevice(), training));
  }

  /**
   * @param index the block in execution order
   * @param tokens its input (B, T, D)
   * @param skip for out-blocks the matching in-block output, else null
   * @return the block output (B, T, D)
   */
  NDArray block(int index, ParameterStore ps, NDArray tokens, NDArray skip, boolean training) {
    return blocks.get(index).apply(ps, tokens, skip, training);
  }

  /**
   * @param exitPoint the exit point whose head runs: its own with {@code exit-heads=per-exit}, else the shared one
   * @param stemFeatures {@link #stem} of the same samples' input (null without the convolutional head)
   * @param terms the same samples' v terms with {@code prediction=v}, else null
   * @param outerSkip the same samples' in0 output (B, T, D) when {@link #headReadsOuterSkip}, else ignored
   * @return the head's ε prediction (B, C, H, W) for hidden state (B, T, D): a v head's output turned into ε
   */
  NDArray head(
      int exitPoint, ParameterStore ps, NDArray tokens, NDArray stemFeatures, VParameterization terms,
      NDArray outerSkip, boolean training) {
    UVitHead h = exitPoint < exitHeads.size() ? exitHeads.get(exitPoint) : head;
    NDArray in = tokens;
    if (headReadsOuterSkip(exitPoint)) { // UVitPass#outerSkip refuses a head call without it
      Block fuse = exitSkips.get(exitPoint);
      in = fuse instanceof UVitTransformerBlock block
          ? block.apply(ps, tokens, outerSkip, training)
          : fuse.forward(ps, new NDList(NDArrays.concat(new NDList(tokens, outerSkip), 2)), training).head();
    }
    NDArray raw = h.apply(ps, in, stemFeatures, training);
    return terms == null ? raw : terms.toEpsilon(raw);
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray stemFeatures = stem(ps, inputs.get(0), training);
    NDArray h = embed(ps, inputs.get(0), inputs.get(1), training);
    VParameterization terms =
        config.vPrediction() ? VParameterization.of(schedule, inputs.get(0), inputs.get(1)) : null;
    Deque<NDArray> skips = new ArrayDeque<>();
    for (int i = 0; i < blocks.size(); i++) {
      boolean out = i > config.sideBlocks();
      h = block(i, ps, h, out ? skips.pop() : null, training);
      if (i < config.sideBlocks()) {
        skips.push(h);
      }
    }
    return new NDList(head(config.depth() - 1, ps, h, stemFeatures, terms, null, training));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {new Shape(inputShapes[0].get(0), config.channels(), config.height(), config.width())};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    long b = inputShapes[0].get(0);
    patchEmbed.initialize(manager, dataType, new Shape(b, config.channels(), config.height(), config.width()));
    Shape tokens = new Shape(b, config.tokens(), config.dim());
    for (UVitTransformerBlock block : blocks) {
      block.initialize(manager, dataType, tokens);
    }
    head.initialize(manager, dataType, tokens);
    if (stem != null) {
      stem.initialize(manager, dataType, new Shape(b, config.channels(), config.height(), config.width()));
    }
    for (UVitHead h : exitHeads) {
      h.initialize(manager, dataType, tokens);
    }
    for (Block fuse : exitSkips) {
      fuse.initialize(manager, dataType,
          fuse instanceof UVitTransformerBlock ? tokens : new Shape(b, config.tokens(), 2L * config.dim()));
    }
    if (timeEmbedding == null) {
      timeEmbedding = new SinusoidalTimeEmbedding(manager, config.dim());
    }
  }
}
