package io.diffexit.api;

import java.util.List;
import java.util.Objects;

/**
 * The architecture of a backbone and its analytic cost model.
 *
 * <p>Costs are counted in multiply-accumulates (MACs) per image for one forward evaluation; FLOPs = 2 × MACs. They
 * include every linear and convolution, the attention matmuls (QKᵀ and AV) and the skip linears; norms, activations and
 * softmax are not counted (each implementation says what it leaves out in its own javadoc).
 *
 * @param name the factory name that built it
 * @param config the parameters that rebuild it through its factory
 * @param channels image channels
 * @param height image height
 * @param width image width
 * @param exitPoints the exit points in execution order; the last one is the full network's output
 * @param embedMacs MACs per image spent in {@link Backbone#begin} before the first segment
 * @param parameterCount number of trainable scalars
 */
public record BackboneSpec(
    String name,
    Params config,
    int channels,
    int height,
    int width,
    List<ExitPointSpec> exitPoints,
    long embedMacs,
    long parameterCount) {

  public BackboneSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(config, "config");
    exitPoints = List.copyOf(exitPoints);
    if (exitPoints.isEmpty()) {
      throw new IllegalArgumentException("backbone '" + name + "' declares no exit points; it needs at least one");
    }
  }

  /** @return MACs per image of a full-depth forward pass with only the final head evaluated */
  public long fullMacs() {
    long macs = embedMacs;
    for (ExitPointSpec e : exitPoints) {
      macs += e.segmentMacs();
    }
    return macs + exitPoints.get(exitPoints.size() - 1).headMacs();
  }

  /** @return MACs per image up to and including exit point {@code index} (segments only, no heads) */
  public long macsThrough(int index) {
    long macs = embedMacs;
    for (int i = 0; i <= index; i++) {
      macs += exitPoints.get(i).segmentMacs();
    }
    return macs;
  }
}
