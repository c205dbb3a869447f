package io.diffexit.backbones.uvit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.diffexit.backbones.nn.Im2colConv3x3;

/**
 * U-ViT's output head ({@code norm → decoder_pred → drop extras → unpatchify → final_layer}), shared by every exit
 * point as in the official AdaDiff code. The time token is dropped first: LayerNorm and Linear act per token, so the
 * result equals U-ViT's order and the time token's row is never computed.
 *
 * <p>Unpatchify follows U-ViT's {@code 'B (h w) (p1 p2 C) -> B C (h p1) (w p2)'}: the channel is the fastest axis of a
 * token's p²C values. The final 3×3 conv is {@link Im2colConv3x3}, not DJL's Conv2d, whose input gradient is
 * unreliable with two CPU threads (see there).
 */
final class UVitHead extends AbstractBlock {

  private static final byte VERSION = 1;
  private static final long[] PATCH_SPLIT = {1};

  private final UVitConfig config;
  private final LayerNorm norm;
  private final Linear decoderPred;
  private final Im2colConv3x3 finalLayer;

  UVitHead(UVitConfig config) {
    super(VERSION);
    this.config = config;
    this.norm = addChildBlock("norm", LayerNorm.builder().axis(2).build());
    this.decoderPred = addChildBlock("decoder_pred", Linear.builder().setUnits(config.patchValues()).build());
    this.finalLayer =
        config.convHead()
            ? addChildBlock("final_layer", new Im2colConv3x3(config.channels(), config.channels()))
            : null;
  }

  /** @return the 3×3 conv, or null without {@code conv-head} */
  Im2colConv3x3 finalLayer() {
    return finalLayer;
  }

  /**
   * @param tokens hidden state (B, T, D)
   * @return the ε prediction (B, C, H, W), owned by {@code tokens}' manager
   */
  NDArray apply(ParameterStore ps, NDArray tokens, boolean training) {
    long b = tokens.getShape().get(0);
    // split, not get(":, 1:"): DJL's slice indexing corrupted autograd memory in training here (NaN, heap crash)
    NDArray patches = tokens.split(PATCH_SPLIT, 1).get(1);
    NDArray values = decoderPred.forward(ps, norm.forward(ps, new NDList(patches), training), training).head();
    int p = config.patch();
    NDArray image =
        values
            .reshape(b, config.gridHeight(), config.gridWidth(), p, p, config.channels())
            .transpose(0, 5, 1, 3, 2, 4)
            .reshape(b, config.channels(), config.height(), config.width());
    return finalLayer == null ? image : finalLayer.forward(ps, new NDList(image), training).head();
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    return new NDList(apply(ps, inputs.head(), training));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {new Shape(inputShapes[0].get(0), config.channels(), config.height(), config.width())};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    long b = inputShapes[0].get(0);
    Shape patches = new Shape(b, config.patchTokens(), config.dim());
    norm.initialize(manager, dataType, patches);
    decoderPred.initialize(manager, dataType, patches);
    if (finalLayer != null) {
      finalLayer.initialize(manager, dataType, new Shape(b, config.channels(), config.height(), config.width()));
    }
  }
}
