package io.diffexit.harness.bench;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Metrics of a cell relative to the full model: the finished cell with strategy type {@code none} in the same
 * backbone and sampler (labels including varied parameters), preferring one with the same decision mode.
 *
 * @param baselineId the id of the {@code none} cell compared with
 * @param macsSavedPercent 100 × (1 − MACs_cell / MACs_none)
 * @param speedupOverMacsBatch1 realised speed-up ÷ MACs reduction at batch 1:
 *     (latency_none / latency_cell) / (MACs_none / MACs_cell), from median latencies per image. 1 means wall-clock
 *     time fell in proportion to MACs; below 1, overheads (heads, strategy, compaction, per-op cost) eat part of it.
 * @param speedupOverMacsLarge the same at the large batch
 */
public record Comparison(
    String baselineId, double macsSavedPercent, double speedupOverMacsBatch1, double speedupOverMacsLarge) {

  /**
   * @param records the latest record of each cell
   * @return comparisons by cell id, for every finished cell that has a finished {@code none} baseline
   */
  public static Map<String, Comparison> of(List<CellRecord> records) {
    Map<String, Comparison> out = new HashMap<>();
    for (CellRecord r : records) {
      if (!r.finished()) {
        continue;
      }
      CellRecord base = baseline(r, records);
      if (base != null) {
        out.put(r.cellId(), between(base.cellId(), base.result(), r.result()));
      }
    }
    return out;
  }

  /** @return the comparison of {@code cell} against the baseline {@code none}, by the formulas above */
  public static Comparison between(String baselineId, CellResult none, CellResult cell) {
    double macsRatio = none.macsPerImage() / cell.macsPerImage(); // MACs reduction factor, > 1 when cheaper
    return new Comparison(
        baselineId,
        100.0 * (1.0 - cell.macsPerImage() / none.macsPerImage()),
        none.latencyBatch1().medianMs() / cell.latencyBatch1().medianMs() / macsRatio,
        none.latencyLarge().medianMs() / cell.latencyLarge().medianMs() / macsRatio);
  }

  private static CellRecord baseline(CellRecord r, List<CellRecord> records) {
    CellRecord any = null;
    for (CellRecord c : records) {
      if (c.finished() && c.cell().strategy().type().equals("none")
          && c.cell().groupKey().equals(r.cell().groupKey())) {
        if (c.cell().decision() == r.cell().decision()) {
          return c;
        }
        if (any == null) {
          any = c;
        }
      }
    }
    return any;
  }
}
