package io.diffexit.strategies;

import io.diffexit.api.BackboneSpec;
import io.diffexit.api.ExitPointSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * The exit layers of a backbone ({@link ExitPointSpec#layer()}, 1-based, increasing along the exit points) and the
 * lookups strategies need: exact layer → exit point, and "round up to the nearest existing exit layer".
 */
public final class ExitLayers {

  private final int[] layers;

  /** @param backbone the backbone whose exit points are described */
  public ExitLayers(BackboneSpec backbone) {
    List<ExitPointSpec> points = backbone.exitPoints();
    layers = new int[points.size()];
    for (int i = 0; i < layers.length; i++) {
      layers[i] = points.get(i).layer();
      if (i > 0 && layers[i] <= layers[i - 1]) {
        throw new IllegalArgumentException("backbone '" + backbone.name() + "': exit layers must increase, got "
            + layers[i - 1] + " then " + layers[i] + " at exit point '" + points.get(i).name() + "'");
      }
    }
  }

  /** @return the layer of the last exit point: the full network's depth */
  public int depth() {
    return layers[layers.length - 1];
  }

  /** @return the number of exit points */
  public int count() {
    return layers.length;
  }

  /** @return the layer of exit point {@code index} */
  public int layer(int index) {
    return layers[index];
  }

  /** @return the exit point index whose layer is exactly {@code layer}, or -1 */
  public int indexOf(int layer) {
    for (int i = 0; i < layers.length; i++) {
      if (layers[i] == layer) {
        return i;
      }
    }
    return -1;
  }

  /**
   * @param layer a (possibly fractional) layer count, at most {@link #depth()}
   * @return the first exit point whose layer is ≥ {@code layer} (never exits earlier than asked)
   */
  public int roundUp(double layer) {
    for (int i = 0; i < layers.length; i++) {
      if (layers[i] >= layer - 1e-9) {
        return i;
      }
    }
    return layers.length - 1;
  }

  /** @return the exit layers, e.g. {@code [1, 2, 3, 4, 5]} */
  public List<Integer> asList() {
    List<Integer> out = new ArrayList<>();
    for (int l : layers) {
      out.add(l);
    }
    return out;
  }
}
