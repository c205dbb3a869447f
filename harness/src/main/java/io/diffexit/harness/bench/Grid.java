package io.diffexit.harness.bench;

import java.util.List;
import java.util.Map;

/**
 * The cells of an experiment in run order (backbone, then sampler, then strategy, as written), and the combinations
 * the filter rejected.
 *
 * @param cells the cells to run
 * @param rejected the combinations left out, each with its reason
 * @param baselines each cell's full-model baseline ({@link Comparison#baselineOf}), possibly the cell itself; cells
 *     whose group has none are absent
 */
public record Grid(List<Cell> cells, List<RejectedCell> rejected, Map<Cell, Cell> baselines) {
  public Grid {
    cells = List.copyOf(cells);
    rejected = List.copyOf(rejected);
    baselines = Map.copyOf(baselines);
  }

  /** @return the cell's full-model baseline (possibly itself), or null when its group has none */
  public Cell baselineOf(Cell cell) {
    return baselines.get(cell);
  }
}
