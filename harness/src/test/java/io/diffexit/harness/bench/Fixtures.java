package io.diffexit.harness.bench;

import io.diffexit.harness.progress.ProgressLine;
import java.nio.file.Path;
import java.util.List;

/** Experiments shared by the bench tests. */
final class Fixtures {

  private Fixtures() {}

  /** The built-in strategies' declared traits ({@code none} is the full model; none, fixed, schedule ignore samples). */
  static final StrategyTraits BUILT_IN =
      StrategyTraits.of(io.diffexit.harness.plugins.Registries.create(Path.of("no-plugins-folder")));

  /** @return the grid as the bench builds it with the built-in strategies' traits */
  static Grid grid(Experiment e) {
    return GridBuilder.build(e, CheckpointProbe.UNKNOWN, BUILT_IN);
  }

  /** Two samplers × (none + 2 fixed + 2 deediff) on one backbone: 10 cells. */
  static final String SMALL = """
      name: small
      samples: 4
      seed: 7
      batch: {large: 8}
      reference: {stats: stats.npz, extractor: synthetic}
      backbones:
        uvit: {type: uvit, checkpoint: ckpt/uvit}
      strategies:
        none: {type: none}
        fixed: {type: fixed, layer: [7, 11]}
        uem: {type: deediff, checkpoint: ckpt/uem, threshold: [0.5, 0.9]}
      samplers:
        ddim10: {type: ddim, steps: 10}
        dpm5: {type: dpm-solver-2m, steps: 5}
      """;

  static Experiment parse(String yaml, String... overrides) {
    return ExperimentParser.parse(yaml, "test.yaml", Path.of("/exp"), List.of(overrides));
  }

  /** {@link #SMALL} plus a strategy that throws and one limited to {@code ddim10}: 13 cells, 1 rejected. */
  static final String WITH_FAILURE = SMALL
      .replace("uem: {type: deediff,", "boom: {type: boom}\n  uem: {type: deediff,")
      .replace("  none: {type: none}\n", "  none: {type: none}\n  f3: {type: fixed, layer: 3, requires: {sampler: [ddim10]}}\n");

  /**
   * Runs {@link #WITH_FAILURE} with the synthetic executor into {@code dir}, writes its manifest and the reports.
   *
   * @return the experiment
   */
  static Experiment benchAndReport(Path dir) {
    Experiment e = parse(WITH_FAILURE);
    Grid grid = grid(e);
    try (ResultStore store = ResultStore.open(dir)) {
      store.writeManifest(Manifest.collect(e, List.of(), grid, List.of(new io.diffexit.harness.plugins.ComponentInfo(
          "strategy", "deediff", "UEM exits", "built-in", "0.1.0-SNAPSHOT")), 2, dir));
      new BenchRunner(e, grid, new SyntheticCellExecutor(dir), store, new BenchProgress(
          new ProgressLine(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()), false), System::nanoTime))
          .run();
    }
    ReportWriter.write(dir, BUILT_IN);
    return e;
  }
}
