package io.diffexit.harness.bench;

import java.util.List;

/**
 * The cells of an experiment in run order (backbone, then sampler, then strategy, as written), and the combinations
 * the filter rejected.
 *
 * @param cells the cells to run
 * @param rejected the combinations left out, each with its reason
 */
public record Grid(List<Cell> cells, List<RejectedCell> rejected) {
  public Grid {
    cells = List.copyOf(cells);
    rejected = List.copyOf(rejected);
  }
}
