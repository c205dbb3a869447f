package io.diffexit.backbones.nn;

import ai.djl.nn.Parameter;
import ai.djl.ndarray.types.Shape;

/**
 * Registers a parameter of known shape on the network block, which owns (saves, loads, trains) all of them, with its
 * {@link SeededInitializer#named} initialisation. The layers of this package that take a sink ({@link NativeConv2d},
 * {@link Dense}, {@link GroupNorm}) name their parameters {@code <layer name>.<weight|bias|gamma|beta>}.
 */
@FunctionalInterface
public interface ParameterSink {

  /**
   * @param name unique, dotted name, e.g. {@code enc0.res1.conv1.weight}
   * @param type the DJL parameter type
   * @param shape the full shape
   * @param init how to initialise it
   * @param fanIn fan-in for {@link SeededInitializer.Kind#XAVIER}
   * @param fanOut fan-out for {@link SeededInitializer.Kind#XAVIER}
   * @return the registered parameter
   */
  Parameter add(String name, Parameter.Type type, Shape shape, SeededInitializer.Kind init, long fanIn, long fanOut);
}
