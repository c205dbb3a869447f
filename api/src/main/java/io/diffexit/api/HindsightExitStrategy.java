package io.diffexit.api;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * A strategy that needs to see every exit point before choosing (an oracle): the runner runs the full network,
 * evaluates every head, asks where each sample would have exited and charges the cost of exiting there. Its figures
 * are an upper bound for research and are labelled as such ({@link #isUpperBound()} is true).
 */
public interface HindsightExitStrategy extends ExitStrategy {

  /**
   * @param heads the head prediction at every exit point, each (B, C, H, W), last = full network
   * @param point the last exit point of the pass (for timesteps, step index and sample ids)
   * @return int32 array (B): the exit point index each sample would have used
   */
  NDArray chooseExit(List<NDArray> heads, ExitPoint point);

  @Override
  default boolean isUpperBound() {
    return true;
  }
}
