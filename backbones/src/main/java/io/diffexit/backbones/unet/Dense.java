package io.diffexit.backbones.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;

/** A fully connected layer with bias over the last axis. */
final class Dense {

  private final Parameter weight;
  private final Parameter bias;
  private final int in;
  private final int out;

  Dense(ParameterSink sink, String name, int in, int out) {
    this.in = in;
    this.out = out;
    this.weight =
        sink.add(name + ".weight", Parameter.Type.WEIGHT, new Shape(out, in), SeededInitializer.Kind.XAVIER, in, out);
    this.bias = sink.add(name + ".bias", Parameter.Type.BIAS, new Shape(out), SeededInitializer.Kind.ZEROS, 0, 0);
  }

  NDArray apply(ParameterStore ps, NDArray x, boolean training) {
    return Linear.linear(x, ps.getValue(weight, x.getDevice(), training), ps.getValue(bias, x.getDevice(), training))
        .head();
  }

  /** @return MACs per sample: in × out */
  long macs() {
    return (long) in * out;
  }
}
