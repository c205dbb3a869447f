package io.diffexit.harness.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Metrics of a cell relative to the full model: the finished cell of the same backbone and sampler (labels including
 * varied parameters) whose strategy runs the full model (its factory says so: {@code none} among the built-ins),
 * chosen by {@link #baselineOf}.
 *
 * <p>Time is compared by the paced medians ({@link Latency.Paced}: run time in full-pass units, immune to the machine's
 * drift between the two cells) when both cells have them at that batch size, else by the median milliseconds.
 *
 * @param baselineId the id of the full-model cell compared with
 * @param macsSavedPercent 100 × (1 − MACs_cell / MACs_none)
 * @param timeSavedBatch1Percent 100 × (1 − time_cell / time_none) at batch 1
 * @param timeSavedLargePercent the same at the large batch
 * @param speedupOverMacsBatch1 realised speed-up ÷ MACs reduction at batch 1:
 *     (time_none / time_cell) / (MACs_none / MACs_cell). 1 means wall-clock time fell in proportion to MACs; below 1,
 *     overheads (heads, strategy, compaction, per-op cost) eat part of it.
 * @param speedupOverMacsLarge the same at the large batch
 * @param paced whether both batch sizes were compared by paced times (false: by milliseconds, e.g. old results)
 */
public record Comparison(
    String baselineId,
    double macsSavedPercent,
    double timeSavedBatch1Percent,
    double timeSavedLargePercent,
    double speedupOverMacsBatch1,
    double speedupOverMacsLarge,
    boolean paced) {

  /**
   * @param records the latest record of each cell
   * @param traits which strategy types run the full model
   * @return comparisons by cell id, for every finished cell that has a finished full-model baseline
   */
  public static Map<String, Comparison> of(List<CellRecord> records, StrategyTraits traits) {
    Map<String, Comparison> out = new HashMap<>();
    for (CellRecord r : records) {
      if (!r.finished()) {
        continue;
      }
      CellRecord base = baseline(r, records, traits);
      if (base != null) {
        out.put(r.cellId(), between(base.cellId(), base.result(), r.result()));
      }
    }
    return out;
  }

  /** @return the comparison of {@code cell} against the full-model baseline {@code none}, by the formulas above */
  public static Comparison between(String baselineId, CellResult none, CellResult cell) {
    double macsRatio = none.macsPerImage() / cell.macsPerImage(); // MACs reduction factor, > 1 when cheaper
    double b1 = timeRatio(cell.latencyBatch1(), none.latencyBatch1()); // time_cell / time_none
    double large = timeRatio(cell.latencyLarge(), none.latencyLarge());
    return new Comparison(
        baselineId,
        100.0 * (1.0 - cell.macsPerImage() / none.macsPerImage()),
        100.0 * (1.0 - b1),
        100.0 * (1.0 - large),
        1.0 / b1 / macsRatio,
        1.0 / large / macsRatio,
        paced(cell.latencyBatch1(), none.latencyBatch1()) && paced(cell.latencyLarge(), none.latencyLarge()));
  }

  private static boolean paced(Latency cell, Latency none) {
    return cell.paced() != null && none.paced() != null && cell.batchSize() == none.batchSize();
  }

  /** @return time of {@code cell} ÷ time of {@code none}: paced medians when both have them, else milliseconds */
  private static double timeRatio(Latency cell, Latency none) {
    return paced(cell, none)
        ? cell.paced().median() / none.paced().median()
        : cell.medianMs() / none.medianMs();
  }

  private static CellRecord baseline(CellRecord r, List<CellRecord> records, StrategyTraits traits) {
    List<Cell> finished = new ArrayList<>();
    Map<Cell, CellRecord> byCell = new HashMap<>();
    for (CellRecord c : records) {
      if (c.finished()) {
        finished.add(c.cell());
        byCell.putIfAbsent(c.cell(), c);
      }
    }
    Cell base = baselineOf(r.cell(), finished, traits);
    return base == null ? null : byCell.get(base);
  }

  /**
   * The full-model cell a cell is compared with: one whose strategy type runs the full model
   * ({@link StrategyTraits#runsFullModel}) in the same backbone and sampler group, preferring one that runs the
   * backbone's own checkpoint (not a fine-tune named by the strategy, such as DeeDiff
   * "w/o EE"), then one with the same decision mode, then the first in order.
   *
   * @param cell the cell
   * @param candidates cells to choose from, in grid or record order
   * @param traits which strategy types run the full model
   * @return the baseline (possibly {@code cell} itself), or {@code null} when the group has no full-model cell
   */
  public static Cell baselineOf(Cell cell, List<Cell> candidates, StrategyTraits traits) {
    Cell best = null;
    int bestScore = -1;
    for (Cell c : candidates) {
      if (!c.groupKey().equals(cell.groupKey()) || !traits.runsFullModel(c.strategy().type())) {
        continue;
      }
      int score = (c.strategy().params().containsKey("checkpoint") ? 0 : 2) + (c.decision() == cell.decision() ? 1 : 0);
      if (score > bestScore) {
        best = c;
        bestScore = score;
      }
    }
    return best;
  }
}
