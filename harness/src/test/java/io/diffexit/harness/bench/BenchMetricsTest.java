package io.diffexit.harness.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.diffexit.api.DecisionMode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Latency statistics and the metrics derived against the {@code none} cell. */
class BenchMetricsTest {

  static CellResult result(double macs, double b1Median, double largeMedian) {
    return new CellResult(macs, Map.of(), new double[] {macs}, new double[] {999}, new int[] {1, 2},
        new long[][] {{1, 3}}, 1.75, new Latency(1, 0, 5, b1Median, b1Median, b1Median),
        new Latency(16, 0, 5, largeMedian, largeMedian, largeMedian), null, 0, "per-sample", null, List.of(), 1);
  }

  static Cell cell(String strategyType, String strategyId, String sampler, DecisionMode mode) {
    return new Cell(new Component("backbone", "uvit", "uvit", Map.of(), List.of()),
        new Component("sampler", sampler, "ddim", Map.of(), List.of()),
        new Component("strategy", strategyId, strategyType, Map.of(), List.of()), mode, false);
  }

  static CellRecord finished(Cell c, CellResult r) {
    return new CellRecord(c.id(), "h", c, CellRecord.FINISHED, null, r, "a", "b");
  }

  @Test
  void latencyQuartilesInterpolateBetweenOrderStatistics() {
    Latency odd = Latency.of(1, 2, 5, 1, 4, 2, 3);
    assertThat(odd.medianMs()).isEqualTo(3.0);
    assertThat(odd.q1Ms()).isEqualTo(2.0);
    assertThat(odd.q3Ms()).isEqualTo(4.0);
    assertThat(odd.repeats()).isEqualTo(5);
    assertThat(odd.warmup()).isEqualTo(2);
    Latency even = Latency.of(8, 0, 4, 3, 2, 1);
    assertThat(even.medianMs()).isEqualTo(2.5);
    assertThat(even.q1Ms()).isEqualTo(1.75);
    assertThat(even.q3Ms()).isEqualTo(3.25);
    assertThat(even.iqrMs()).isEqualTo(1.5);
  }

  @Test
  void latencyRejectsBadInput() {
    assertThatThrownBy(() -> Latency.of(1, 0)).hasMessage("latency needs at least one timed repeat");
    assertThatThrownBy(() -> new Latency(1, 0, 5, 2, 3, 4))
        .hasMessage("latency quartiles must be finite and ordered 0 <= q1 <= median <= q3, got 3.0, 2.0, 4.0");
    assertThatThrownBy(() -> new Latency(0, 0, 5, 1, 1, 1))
        .hasMessage("latency needs batch size >= 1, repeats >= 1, warm-up >= 0; got 0, 5, 0");
  }

  @Test
  void macsSavedAndSpeedupOverMacsReductionMatchHandValues() {
    // none: 100 MACs, 10 ms at b1, 4 ms at b16; cell: 40 MACs, 5 ms, 1 ms.
    Comparison c = Comparison.between("base", result(100, 10, 4), result(40, 5, 1));
    assertThat(c.macsSavedPercent()).isCloseTo(60.0, within(1e-12));
    assertThat(c.speedupOverMacsBatch1()).as("(10/5)/(100/40)").isCloseTo(0.8, within(1e-12));
    assertThat(c.speedupOverMacsLarge()).as("(4/1)/(100/40)").isCloseTo(1.6, within(1e-12));
    assertThat(c.timeSavedBatch1Percent()).as("1 - 5/10").isCloseTo(50.0, within(1e-12));
    assertThat(c.timeSavedLargePercent()).as("1 - 1/4").isCloseTo(75.0, within(1e-12));
    assertThat(c.paced()).isFalse();
  }

  @Test
  void pacedLatencyDividesEachRunByTheFullPassTimedAfterIt() {
    // batch 4: runs of 40, 80, 120 ms/img (160, 320, 480 ms per run); the machine slowed down: full passes took
    // 16, 32, 40 ms. Ratios 10, 10, 12 -> median 10, q1 10, q3 11; full-pass median 32 ms.
    Latency l = Latency.paced(4, 1, new double[] {40, 80, 120}, new double[] {16, 32, 40});
    assertThat(l.medianMs()).isEqualTo(80.0);
    assertThat(l.paced().median()).isCloseTo(10.0, within(1e-12));
    assertThat(l.paced().q1()).isCloseTo(10.0, within(1e-12));
    assertThat(l.paced().q3()).isCloseTo(11.0, within(1e-12));
    assertThat(l.paced().fullPassMs()).isEqualTo(32.0);
    assertThatThrownBy(() -> Latency.paced(4, 1, new double[] {40, 80}, new double[] {16}))
        .hasMessage("paced latency needs one full-pass time per repeat, got 1 for 2 repeats");
    assertThatThrownBy(() -> Latency.paced(4, 1, new double[] {40}, new double[] {Double.NaN}))
        .hasMessage("paced latency needs 0 < q1 <= median <= q3 and a positive full-pass time, got NaN, NaN, NaN, "
            + "NaN ms");
  }

  @Test
  void pacedTimesOutweighMillisecondsWhenTheMachineDriftedBetweenCells() {
    // none ran on a fast machine: 50 full passes of 2 ms = 100 ms per image at b1; the cell ran when the machine was
    // twice as slow: 30 passes of 4 ms = 120 ms. In milliseconds the cell looks slower; in full passes it saves 40%.
    CellResult none = pacedResult(100, 100, 50, 2);
    CellResult cell = pacedResult(60, 120, 30, 4);
    Comparison c = Comparison.between("base", none, cell);
    assertThat(c.paced()).isTrue();
    assertThat(c.timeSavedBatch1Percent()).as("1 - 30/50").isCloseTo(40.0, within(1e-12));
    assertThat(c.timeSavedLargePercent()).isCloseTo(40.0, within(1e-12));
    assertThat(c.speedupOverMacsBatch1()).as("(50/30)/(100/60)").isCloseTo(1.0, within(1e-12));
    // one side without paced times (an old result line): milliseconds for both, as before
    Comparison mixed = Comparison.between("base", result(100, 100, 100), cell);
    assertThat(mixed.paced()).isFalse();
    assertThat(mixed.timeSavedBatch1Percent()).as("1 - 120/100").isCloseTo(-20.0, within(1e-12));
  }

  static CellResult pacedResult(double macs, double msPerImage, double passes, double fullPassMs) {
    Latency b1 = new Latency(1, 0, 5, msPerImage, msPerImage, msPerImage,
        new Latency.Paced(passes, passes, passes, fullPassMs));
    Latency large = new Latency(16, 0, 5, msPerImage, msPerImage, msPerImage,
        new Latency.Paced(passes, passes, passes, fullPassMs * 16));
    return new CellResult(macs, Map.of(), new double[] {macs}, new double[] {999}, new int[] {1, 2},
        new long[][] {{1, 3}}, 1.75, b1, large, null, 0, "per-sample", null, List.of(), 1);
  }

  @Test
  void comparisonUsesTheNoneCellOfTheSameBackboneAndSamplerAndDecisionMode() {
    CellRecord noneDdim = finished(cell("none", "full", "ddim", DecisionMode.PER_SAMPLE), result(100, 10, 4));
    CellRecord noneDdimBatch = finished(cell("none", "full2", "ddim", DecisionMode.PER_BATCH), result(200, 10, 4));
    CellRecord noneDpm = finished(cell("none", "full", "dpm", DecisionMode.PER_SAMPLE), result(50, 10, 4));
    CellRecord uemDdim = finished(cell("deediff", "uem", "ddim", DecisionMode.PER_SAMPLE), result(40, 5, 1));
    CellRecord uemDdimBatch = finished(cell("deediff", "uem", "ddim", DecisionMode.PER_BATCH), result(40, 5, 1));
    CellRecord uemDpm = finished(cell("deediff", "uem", "dpm", DecisionMode.PER_SAMPLE), result(40, 5, 1));
    Cell failedCell = cell("fixed", "f", "ddim", DecisionMode.PER_SAMPLE);
    CellRecord failed = new CellRecord(failedCell.id(), "h", failedCell, CellRecord.FAILED, "boom", null, "a", "b");
    Map<String, Comparison> m = Comparison.of(
        List.of(noneDdim, noneDdimBatch, noneDpm, uemDdim, uemDdimBatch, uemDpm, failed), Fixtures.BUILT_IN);
    assertThat(m.get(uemDdim.cellId()).baselineId()).isEqualTo("uvit/ddim/full");
    assertThat(m.get(uemDdim.cellId()).macsSavedPercent()).isCloseTo(60.0, within(1e-12));
    assertThat(m.get(uemDdimBatch.cellId()).baselineId()).isEqualTo("uvit/ddim/full2@per-batch");
    assertThat(m.get(uemDdimBatch.cellId()).macsSavedPercent()).isCloseTo(80.0, within(1e-12));
    assertThat(m.get(uemDpm.cellId()).macsSavedPercent()).isCloseTo(20.0, within(1e-12));
    assertThat(m.get(noneDdim.cellId()).macsSavedPercent()).isZero();
    assertThat(m).doesNotContainKey(failed.cellId());
  }

  @Test
  void cellResultDerivesFlopsFractionsAndMeanLayerPerStep() {
    CellResult r = new CellResult(10, Map.of(), new double[] {4, 6}, new double[] {999, 0}, new int[] {3, 13},
        new long[][] {{3, 1}, {0, 0}}, 5.5, Latency.of(1, 0, 1), Latency.of(2, 0, 1), null, 0, "per-sample", null,
        null, 1);
    assertThat(r.flopsPerImage()).isEqualTo(20.0);
    assertThat(r.exitFractions()[0]).containsExactly(0.75, 0.25);
    assertThat(r.exitFractions()[1]).containsExactly(0.0, 0.0);
    assertThat(r.meanExitLayerByStep()[0]).isEqualTo((3 * 3 + 13) / 4.0);
    assertThat(r.meanExitLayerByStep()[1]).isNaN();
    assertThat(r.certaintyMaps()).isEmpty();
  }

  @Test
  void cellResultRejectsInconsistentShapes() {
    assertThatThrownBy(() -> new CellResult(10, Map.of(), new double[] {4, 6}, new double[] {1}, new int[] {3},
        new long[][] {{1}, {1}}, 3, Latency.of(1, 0, 1), Latency.of(2, 0, 1), null, 0, "per-sample", null, null, 1))
        .hasMessage("per-step arrays differ in length: macsByStep 2, modelTimes 1, exitHistogram 2");
    assertThatThrownBy(() -> new CellResult(10, Map.of(), new double[] {4}, new double[] {1}, new int[] {3, 5},
        new long[][] {{1}}, 3, Latency.of(1, 0, 1), Latency.of(2, 0, 1), null, 0, "per-sample", null, null, 1))
        .hasMessage("exit histogram rows need one count per exit point (2), got 1");
    assertThatThrownBy(() -> new Quality(Double.NaN, null, null, "x", "y", 1, "test"))
        .hasMessage("FID must be finite and non-negative, got NaN");
  }
}
