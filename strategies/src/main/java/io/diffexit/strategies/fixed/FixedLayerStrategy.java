package io.diffexit.strategies.fixed;

import ai.djl.ndarray.NDArray;
import io.diffexit.api.ExitPoint;
import io.diffexit.api.ExitStrategy;
import io.diffexit.strategies.Decisions;

/**
 * Every sample exits at the same exit point at every step (the fixed-layer baseline requested by the DeeDiff
 * reviewers). No training objective of its own: fine-tuning, if any, uses L_simple.
 */
public final class FixedLayerStrategy implements ExitStrategy {

  private final int layer;
  private final int exitIndex;

  /**
   * @param layer the exit layer (1-based)
   * @param exitIndex the exit point with that layer
   */
  public FixedLayerStrategy(int layer, int exitIndex) {
    this.layer = layer;
    this.exitIndex = exitIndex;
  }

  @Override
  public String describe() {
    return "fixed(layer=" + layer + ")";
  }

  @Override
  public NDArray decide(ExitPoint point) {
    return Decisions.uniform(point, point.spec().index() == exitIndex);
  }
}
