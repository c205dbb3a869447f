package io.diffexit.backbones.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;

/**
 * A fully connected layer with bias over the last axis, its parameters {@code name.weight} (out, in, Xavier) and
 * {@code name.bias} (zeros) registered on a {@link ParameterSink}.
 */
public final class Dense {

  private final Parameter weight;
  private final Parameter bias;
  private final int in;
  private final int out;

  /**
   * @param sink where the parameters are registered
   * @param name the layer's dotted name
   * @param in input features
   * @param out output features
   */
  public Dense(ParameterSink sink, String name, int in, int out) {
    this.in = in;
    this.out = out;
    this.weight =
        sink.add(name + ".weight", Parameter.Type.WEIGHT, new Shape(out, in), SeededInitializer.Kind.XAVIER, in, out);
    this.bias = sink.add(name + ".bias", Parameter.Type.BIAS, new Shape(out), SeededInitializer.Kind.ZEROS, 0, 0);
  }

  /** @return x Wᵀ + b over the last axis, in x's manager */
  public NDArray apply(ParameterStore ps, NDArray x, boolean training) {
    return Linear.linear(x, ps.getValue(weight, x.getDevice(), training), ps.getValue(bias, x.getDevice(), training))
        .head();
  }

  /** @return MACs per sample: in × out */
  public long macs() {
    return (long) in * out;
  }
}
