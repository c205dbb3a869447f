package io.diffexit.api;

import ai.djl.ndarray.NDArray;

/**
 * A step-reuse strategy's answer at an exit point ({@link StepReuseStrategy#substitute}): some active samples stop
 * running and take the head of exit point {@code exitPoint} on a hidden state the cache supplies, standing in for the
 * layers in between.
 *
 * @param reuse one flag per active sample, in the order of {@link ExitPoint#sampleIds()}
 * @param hidden the substitutes of the flagged samples, in order, shaped as exit point {@code exitPoint}'s hidden state
 * @param exitPoint the exit point whose head the runner evaluates on {@code hidden} ({@link Pass#head(int, NDArray)})
 * @param macs the MACs (all samples together) the strategy spent at this exit point, charged as cache work
 */
public record Substitution(boolean[] reuse, NDArray hidden, int exitPoint, long macs) {
  public Substitution {
    reuse = reuse.clone();
    int n = ReusePlan.count(reuse);
    if (n > 0 && (hidden == null || hidden.getShape().get(0) != n)) {
      throw new IllegalArgumentException("a substitution for " + n + " samples needs " + n + " hidden rows, got "
          + (hidden == null ? "none" : "shape " + hidden.getShape()));
    }
    if (macs < 0) {
      throw new IllegalArgumentException("negative MACs: " + macs);
    }
  }

  /** @return the flags (a copy) */
  @Override
  public boolean[] reuse() {
    return reuse.clone();
  }

  /** @return the number of substituted samples */
  public int reused() {
    return ReusePlan.count(reuse);
  }
}
