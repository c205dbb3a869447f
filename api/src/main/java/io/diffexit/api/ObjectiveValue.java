package io.diffexit.api;

import ai.djl.ndarray.NDArray;
import java.util.Map;

/**
 * A loss value and its named components.
 *
 * @param total the scalar to minimise
 * @param terms named scalar components (e.g. {@code simple}, {@code uem}, {@code ual}), for progress and model cards
 */
public record ObjectiveValue(NDArray total, Map<String, NDArray> terms) {
  public ObjectiveValue {
    terms = Map.copyOf(terms);
  }
}
