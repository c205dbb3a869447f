package io.diffexit.harness.testing;

import ai.djl.ndarray.NDArray;
import io.diffexit.api.ExitPoint;
import io.diffexit.api.ExitPointSpec;
import io.diffexit.api.ExitStrategy;

/**
 * A content-based test strategy: a sample exits when the mean of its hidden state exceeds a threshold that falls with
 * depth. Its decisions differ between samples and depend only on each sample's own data, which is what the
 * batch-independence tests need.
 */
public final class HiddenMeanStrategy implements ExitStrategy {

  private final float threshold;
  private final float slope;

  /**
   * @param threshold threshold at the first exit point
   * @param slope how much the threshold falls per exit point
   */
  public HiddenMeanStrategy(float threshold, float slope) {
    this.threshold = threshold;
    this.slope = slope;
  }

  @Override
  public String describe() {
    return "hidden-mean(threshold=" + threshold + ", slope=" + slope + ")";
  }

  @Override
  public NDArray decide(ExitPoint point) {
    NDArray h = point.hidden();
    NDArray mean = h.reshape(h.getShape().get(0), -1).mean(new int[] {1});
    return mean.gt(threshold - slope * point.spec().index());
  }

  @Override
  public long macsPerDecision(ExitPointSpec point) {
    return 7; // a made-up constant, so tests can see the runner charge it per active sample
  }
}
