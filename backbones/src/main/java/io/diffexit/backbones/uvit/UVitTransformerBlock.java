package io.diffexit.backbones.uvit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * One pre-LN U-ViT block (libs/uvit.py {@code Block}): optionally {@code x = skip_linear(cat[x, skip])}, then
 * {@code x = x + proj(attn(LN(x)))} and {@code x = x + fc2(GELU(fc1(LN(x))))}.
 *
 * <p>LayerNorms normalise over the last axis only (DJL's default would normalise over T·D, see djl.md §0.1). Attention
 * uses one fused qkv projection split as (3, heads, head_dim), like U-ViT's {@code 'B L (K H D) -> K B H L D'}, and
 * the scale head_dim^-0.5 (applied to q, which is cheaper than to QKᵀ and equal up to rounding). GELU is the exact
 * erf form, as torch's {@code nn.GELU()}.
 *
 * <p>Input: [x] or, for out-blocks, [x, skip], each (B, T, D). Output: [x'] (B, T, D).
 */
final class UVitTransformerBlock extends AbstractBlock {

  private static final byte VERSION = 1;

  private final int dim;
  private final int heads;
  private final int mlpHidden;
  private final boolean hasSkip;
  private final Linear skipLinear;
  private final LayerNorm norm1;
  private final Linear qkv;
  private final Linear proj;
  private final LayerNorm norm2;
  private final Linear fc1;
  private final Linear fc2;
  private NDArray scale; // 0-d constant head_dim^-0.5, created at initialisation

  UVitTransformerBlock(int dim, int heads, int mlpHidden, boolean qkvBias, boolean hasSkip) {
    super(VERSION);
    this.dim = dim;
    this.heads = heads;
    this.mlpHidden = mlpHidden;
    this.hasSkip = hasSkip;
    this.skipLinear = hasSkip ? addChildBlock("skip_linear", Linear.builder().setUnits(dim).build()) : null;
    this.norm1 = addChildBlock("norm1", LayerNorm.builder().axis(2).build());
    this.qkv = addChildBlock("qkv", Linear.builder().setUnits(3L * dim).optBias(qkvBias).build());
    this.proj = addChildBlock("proj", Linear.builder().setUnits(dim).build());
    this.norm2 = addChildBlock("norm2", LayerNorm.builder().axis(2).build());
    this.fc1 = addChildBlock("fc1", Linear.builder().setUnits(mlpHidden).build());
    this.fc2 = addChildBlock("fc2", Linear.builder().setUnits(dim).build());
  }

  /**
   * Makes this out-block the identity on its hidden input: skip linear [I, 0] with zero bias, and zero output
   * projection and fc2, so that both residual branches add exactly 0 (a zero-initialised residual branch) while
   * their inner layers keep their random values, through which gradients reach them once proj and fc2 move.
   */
  void startAsIdentity() {
    if (!hasSkip) {
      throw new IllegalStateException("uvit: only an out-block (with a skip linear) starts as the identity");
    }
    NDArray weight = skipLinear.getParameters().get("weight").getArray(); // (D, 2D)
    float[] identity = new float[dim * 2 * dim];
    for (int r = 0; r < dim; r++) {
      identity[r * 2 * dim + r] = 1f;
    }
    weight.set(identity);
    skipLinear.getParameters().get("bias").getArray().set(new float[dim]);
    for (Linear zero : new Linear[] {proj, fc2}) {
      NDArray w = zero.getParameters().get("weight").getArray();
      w.set(new float[(int) w.getShape().size()]);
      zero.getParameters().get("bias").getArray().set(new float[dim]);
    }
  }

  /** @return whether this block takes a long-skip input (out-blocks) */
  boolean hasSkip() {
    return hasSkip;
  }

  /**
   * @param x tokens (B, T, D)
   * @param skip the popped in-block output (B, T, D) for out-blocks, else null
   * @return the block output (B, T, D), owned by {@code x}'s manager
   */
  NDArray apply(ParameterStore ps, NDArray x, NDArray skip, boolean training) {
    if (hasSkip) {
      if (skip == null) {
        throw new IllegalStateException("uvit out-block called without its skip tensor");
      }
      x = skipLinear.forward(ps, new NDList(NDArrays.concat(new NDList(x, skip), 2)), training).head();
    } else if (skip != null) {
      throw new IllegalStateException("uvit in/mid block called with a skip tensor");
    }
    long b = x.getShape().get(0);
    long t = x.getShape().get(1);
    NDArray fused = qkv.forward(ps, norm1.forward(ps, new NDList(x), training), training).head();
    NDList qkvParts = fused.reshape(b, t, 3, heads, dim / heads).transpose(2, 0, 3, 1, 4).split(3, 0);
    NDArray q = qkvParts.get(0).squeeze(0).mul(scale); // (B, heads, T, hd)
    NDArray k = qkvParts.get(1).squeeze(0);
    NDArray v = qkvParts.get(2).squeeze(0);
    NDArray attention = q.matMul(k.transpose(0, 1, 3, 2)).softmax(-1);
    NDArray mixed = attention.matMul(v).transpose(0, 2, 1, 3).reshape(b, t, dim);
    x = x.add(proj.forward(ps, new NDList(mixed), training).head());
    NDArray hidden = fc1.forward(ps, norm2.forward(ps, new NDList(x), training), training).head();
    return x.add(fc2.forward(ps, new NDList(Activation.gelu(hidden)), training).head());
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    return new NDList(apply(ps, inputs.get(0), inputs.size() > 1 ? inputs.get(1) : null, training));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {inputShapes[0]};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    Shape tokens = inputShapes[0];
    if (hasSkip) {
      skipLinear.initialize(manager, dataType, new Shape(tokens.get(0), tokens.get(1), 2L * dim));
    }
    norm1.initialize(manager, dataType, tokens);
    qkv.initialize(manager, dataType, tokens);
    proj.initialize(manager, dataType, tokens);
    norm2.initialize(manager, dataType, tokens);
    fc1.initialize(manager, dataType, tokens);
    fc2.initialize(manager, dataType, new Shape(tokens.get(0), tokens.get(1), mlpHidden));
    if (scale == null) {
      scale = manager.create((float) (1.0 / Math.sqrt((double) dim / heads)));
    }
  }
}
