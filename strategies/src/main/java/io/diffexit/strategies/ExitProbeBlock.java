package io.diffexit.strategies;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.TruncatedNormalInitializer;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;

/**
 * One linear map per exit point (DeeDiff's UEM, BERxiT's LTE): {@code y_i = x_i W_iᵀ + b_i} over the last axis.
 * Weights start as truncated normal with σ = 0.02 and biases at zero, like U-ViT's {@code _init_weights}, so a sigmoid
 * on top starts at 0.5. (DJL's truncated normal cuts at 2σ; timm's {@code trunc_normal_(std=.02)} cuts at ±2 absolute,
 * i.e. practically not at all. The difference is immaterial at this scale.)
 *
 * <p>As a DJL block, {@code forward} takes one input per exit point, in order, and returns one output per exit point;
 * strategies usually call {@link #apply} for a single exit point. Parameters are named {@code probe<i>_weight} and
 * {@code probe<i>_bias}, so saved files are self-describing.
 */
public final class ExitProbeBlock extends AbstractBlock {

  private static final byte VERSION = 1;

  private final long[] inputs;
  private final long[] outputs;
  private final List<Parameter> weights = new ArrayList<>();
  private final List<Parameter> biases = new ArrayList<>();

  /**
   * @param inputs input features per exit point
   * @param outputs output features per exit point
   */
  public ExitProbeBlock(long[] inputs, long[] outputs) {
    super(VERSION);
    if (inputs.length != outputs.length || inputs.length == 0) {
      throw new IllegalArgumentException(
          "exit probes need one input and one output size per exit point, got " + inputs.length + " and "
              + outputs.length);
    }
    this.inputs = inputs.clone();
    this.outputs = outputs.clone();
    for (int i = 0; i < inputs.length; i++) {
      weights.add(addParameter(Parameter.builder()
          .setName("probe" + i + "_weight")
          .setType(Parameter.Type.WEIGHT)
          .optShape(new Shape(outputs[i], inputs[i]))
          .optInitializer(new TruncatedNormalInitializer(0.02f))
          .build()));
      biases.add(addParameter(Parameter.builder()
          .setName("probe" + i + "_bias")
          .setType(Parameter.Type.BIAS)
          .optShape(new Shape(outputs[i]))
          .build()));
    }
  }

  /**
   * Creates every parameter in FLOAT32 (shapes are fixed at construction).
   *
   * @param manager the long-lived manager that will own the parameters
   * @return this
   */
  public ExitProbeBlock initialize(NDManager manager) {
    Shape[] shapes = new Shape[inputs.length];
    for (int i = 0; i < inputs.length; i++) {
      shapes[i] = new Shape(1, inputs[i]);
    }
    initialize(manager, DataType.FLOAT32, shapes);
    return this;
  }

  /** @return the number of exit points this block has a probe for */
  public int probes() {
    return inputs.length;
  }

  /** @return input features of probe {@code i} */
  public long inputFeatures(int i) {
    return inputs[i];
  }

  /** @return output features of probe {@code i} */
  public long outputFeatures(int i) {
    return outputs[i];
  }

  /**
   * @param exit the exit point index
   * @param x (..., inputFeatures(exit)); the result belongs to x's manager
   * @param store where to read the weights during training, or {@code null} to use the parameters' arrays directly
   *     (inference: the strategy's {@code decide} has no parameter store)
   * @param training whether gradients are wanted (only with a store)
   * @return (..., outputFeatures(exit))
   */
  public NDArray apply(int exit, NDArray x, ParameterStore store, boolean training) {
    NDArray w;
    NDArray b;
    if (store == null) {
      w = weights.get(exit).getArray();
      b = biases.get(exit).getArray();
    } else {
      w = store.getValue(weights.get(exit), x.getDevice(), training);
      b = store.getValue(biases.get(exit), x.getDevice(), training);
    }
    return Linear.linear(x, w, b).singletonOrThrow();
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore store, NDList in, boolean training, PairList<String, Object> params) {
    if (in.size() != inputs.length) {
      throw new IllegalArgumentException("exit probes expect " + inputs.length + " inputs, got " + in.size());
    }
    NDList out = new NDList(in.size());
    for (int i = 0; i < in.size(); i++) {
      out.add(apply(i, in.get(i), store, training));
    }
    return out;
  }

  @Override
  public Shape[] getOutputShapes(Shape[] in) {
    Shape[] out = new Shape[in.length];
    for (int i = 0; i < in.length; i++) {
      out[i] = in[i].slice(0, in[i].dimension() - 1).add(outputs[i]);
    }
    return out;
  }
}
