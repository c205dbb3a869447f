package io.diffexit.api;

import ai.djl.ndarray.types.Shape;
import java.util.Objects;

/**
 * One place where a backbone can stop and predict.
 *
 * @param index position in execution order, 0-based
 * @param name a readable label, e.g. {@code "in3"}, {@code "mid"}, {@code "out2"}
 * @param layer the number of layers (blocks/stages) executed when standing here, 1-based; what papers call the exit layer
 * @param hiddenShape shape of the hidden state per sample (without the batch axis)
 * @param layout how the hidden state maps onto the image, so a strategy can turn it into per-pixel maps
 * @param segmentMacs MACs per image of the layers between the previous exit point and this one (skip linears included)
 * @param headMacs MACs per image of one evaluation of this exit point's head
 * @param resumeMacs MACs per image that {@link Pass#resume} spends to stand here from a cached hidden state (the earlier
 *     layers the later ones still need), or -1 when a pass cannot resume here
 */
public record ExitPointSpec(
    int index,
    String name,
    int layer,
    Shape hiddenShape,
    HiddenLayout layout,
    long segmentMacs,
    long headMacs,
    long resumeMacs) {
  public ExitPointSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(hiddenShape, "hiddenShape");
    Objects.requireNonNull(layout, "layout");
    if (resumeMacs < -1) {
      throw new IllegalArgumentException("exit point " + name + ": resumeMacs must be -1 (cannot resume) or >= 0, got "
          + resumeMacs);
    }
  }

  /** An exit point at which a pass cannot resume (the form of SPI version 1 before step reuse). */
  public ExitPointSpec(
      int index, String name, int layer, Shape hiddenShape, HiddenLayout layout, long segmentMacs, long headMacs) {
    this(index, name, layer, hiddenShape, layout, segmentMacs, headMacs, -1);
  }

  /** @return whether a pass can resume here from a cached hidden state */
  public boolean resumable() {
    return resumeMacs >= 0;
  }
}
