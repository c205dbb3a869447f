package io.diffexit.backbones.uvit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.diffexit.backbones.nn.Activations;
import io.diffexit.backbones.nn.Im2colConv3x3;
import io.diffexit.backbones.nn.NativeConv3x3;
import java.util.List;

/**
 * U-ViT's output head ({@code norm → decoder_pred → drop extras → unpatchify → final_layer}), shared by every exit
 * point as in the official AdaDiff code. The time token is dropped first: LayerNorm and Linear act per token, so the
 * result equals U-ViT's order and the time token's row is never computed.
 *
 * <p>Unpatchify follows U-ViT's {@code 'B (h w) (p1 p2 C) -> B C (h p1) (w p2)'}: the channel is the fastest axis of a
 * token's p²C values. The final 3×3 conv is {@link Im2colConv3x3}, not DJL's Conv2d, whose input gradient is
 * unreliable with two CPU threads (see there).
 *
 * <p>With {@code head-channels=K > 0} the head is convolutional instead (not in U-ViT): {@code decoder_pred} emits
 * p²K values per token, unpatchified to K channels per pixel; they are concatenated with the K stem features of the
 * input ({@link UVitNet#stem}) and refined by {@code conv1} (3×3, 2K→K), SiLU and {@code conv2} (3×3, K→C). Each
 * output pixel then sees its neighbours across patch borders and the input itself at full resolution, which the
 * per-patch linear decoder cannot: that decoder is what draws the patch grid.
 */
final class UVitHead extends AbstractBlock {

  private static final byte VERSION = 1;
  private static final long[] PATCH_SPLIT = {1};

  private final UVitConfig config;
  private final LayerNorm norm;
  private final Linear decoderPred;
  private final Im2colConv3x3 finalLayer;
  private final NativeConv3x3 conv1;
  private final NativeConv3x3 conv2;

  UVitHead(UVitConfig config) {
    super(VERSION);
    this.config = config;
    this.norm = addChildBlock("norm", LayerNorm.builder().axis(2).build());
    this.decoderPred = addChildBlock("decoder_pred", Linear.builder().setUnits(config.decodedValues()).build());
    boolean convolutional = config.convolutionalHead();
    int k = config.headChannels();
    this.finalLayer =
        config.convHead() && !convolutional
            ? addChildBlock("final_layer", new Im2colConv3x3(config.channels(), config.channels()))
            : null;
    this.conv1 = convolutional ? addChildBlock("conv1", new NativeConv3x3(2 * k, k)) : null;
    this.conv2 = convolutional ? addChildBlock("conv2", new NativeConv3x3(k, config.channels())) : null;
  }

  /** @return the convolutional head's two 3×3 convs (2K→K, K→C), or an empty list for U-ViT's head */
  List<NativeConv3x3> refineConvs() {
    return conv1 == null ? List.of() : List.of(conv1, conv2);
  }

  /** @return the 3×3 conv, or null without {@code conv-head} */
  Im2colConv3x3 finalLayer() {
    return finalLayer;
  }

  /**
   * @param tokens hidden state (B, T, D)
   * @param stem the stem features of the same samples' input (B, K, H, W) with the convolutional head, else null
   * @return the ε prediction (B, C, H, W), owned by {@code tokens}' manager
   */
  NDArray apply(ParameterStore ps, NDArray tokens, NDArray stem, boolean training) {
    if (conv1 != null && (stem == null || stem.getShape().get(0) != tokens.getShape().get(0))) {
      throw new IllegalStateException(
          "uvit head: the convolutional head needs the stem features of the same "
              + tokens.getShape().get(0) + " samples, got " + (stem == null ? "none" : stem.getShape()));
    }
    long b = tokens.getShape().get(0);
    // split, not get(":, 1:"): DJL's slice indexing corrupted autograd memory in training here (NaN, heap crash)
    NDArray patches = tokens.split(PATCH_SPLIT, 1).get(1);
    NDArray values = decoderPred.forward(ps, norm.forward(ps, new NDList(patches), training), training).head();
    int p = config.patch();
    int c = conv1 == null ? config.channels() : config.headChannels();
    NDArray image =
        values
            .reshape(b, config.gridHeight(), config.gridWidth(), p, p, c)
            .transpose(0, 5, 1, 3, 2, 4)
            .reshape(b, c, config.height(), config.width());
    if (conv1 != null) {
      NDArray joined = NDArrays.concat(new NDList(image, stem), 1);
      NDArray hidden = Activations.silu(conv1.forward(ps, new NDList(joined), training).head());
      return conv2.forward(ps, new NDList(hidden), training).head();
    }
    return finalLayer == null ? image : finalLayer.forward(ps, new NDList(image), training).head();
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    return new NDList(apply(ps, inputs.head(), inputs.size() > 1 ? inputs.get(1) : null, training));
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
    if (conv1 != null) {
      int k = config.headChannels();
      conv1.initialize(manager, dataType, new Shape(b, 2L * k, config.height(), config.width()));
      conv2.initialize(manager, dataType, new Shape(b, k, config.height(), config.width()));
    }
  }
}
