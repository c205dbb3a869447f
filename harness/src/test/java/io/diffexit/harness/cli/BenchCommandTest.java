package io.diffexit.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.diffexit.harness.bench.BenchWiring;
import io.diffexit.harness.bench.CellExecutor;
import io.diffexit.harness.bench.CellResult;
import io.diffexit.harness.bench.Latency;
import io.diffexit.harness.bench.ReportWriter;
import io.diffexit.harness.bench.ResultStore;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class BenchCommandTest {

  private static final String EXPERIMENT = """
      name: cli
      samples: 2
      backbones: {uvit: {type: uvit}}
      strategies:
        none: {type: none}
        fixed: {type: fixed, layer: [3, 5], decision: [per-sample, per-batch]}
        boom: {type: boom}
      samplers: {ddim: {type: ddim, steps: 4}}
      """;

  /** The CLI as built without the runner: grid, --set and errors are checked without sampling anything. */
  private static final com.google.inject.Module NO_EXECUTOR =
      binder -> binder.bind(BenchWiring.class).toInstance(BenchWiring.withoutExecutor());

  @TempDir Path dir;
  private Path file;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @BeforeEach
  void writeExperiment() throws Exception {
    file = dir.resolve("cli.yaml");
    Files.writeString(file, EXPERIMENT);
  }

  private int run(CommandLine cl, String... args) {
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return cl.execute(args);
  }

  /** MACs per image = 4 steps × layer × 1e6 (layer 13 for none); a {@code boom} strategy throws. */
  private static final CellExecutor EXECUTOR = (cell, experiment, cellDir, progress) -> {
    if (cell.strategy().type().equals("boom")) {
      throw new IllegalStateException("boom");
    }
    int layer = cell.strategy().type().equals("none") ? 13 : Integer.parseInt(cell.strategy().params().get("layer"));
    double macs = 4 * layer * 1e6;
    long[][] hist = new long[4][13];
    for (long[] row : hist) {
      row[layer - 1] = experiment.samples();
    }
    int[] layers = java.util.stream.IntStream.rangeClosed(1, 13).toArray();
    return new CellResult(macs, Map.of(), new double[] {macs / 4, macs / 4, macs / 4, macs / 4},
        new double[] {999, 749, 499, 249}, layers, hist, layer, Latency.of(1, 0, layer, layer, layer, layer, layer),
        Latency.of(64, 0, 1, 1, 1, 1, 1), null, 0, cell.decision().label(), null, List.of(), 0.1);
  };

  @Test
  void dryRunListsCellsAndRejectedCombinations() {
    int code = run(DiffexitCli.commandLine(NO_EXECUTOR), "bench", file.toString(), "--dry-run");
    assertThat(code).isZero();
    assertThat(out.toString()).startsWith("4 cells, 2 rejected; config sha256 ");
    assertThat(out.toString()).contains("  run   uvit/ddim/fixed[layer=3]@per-sample\n")
        .contains("  run   uvit/ddim/boom\n")
        .contains("  skip  uvit/ddim/fixed[layer=5]@per-batch: decision per-batch equals per-sample for strategy "
            + "type 'fixed' (its exits do not depend on the sample)\n");
  }

  @Test
  void setOverridesReachTheGrid() {
    int code = run(DiffexitCli.commandLine(NO_EXECUTOR), "bench", file.toString(), "--dry-run", "--set", "strategy.fixed.layer=7",
        "--set", "strategy.fixed.decision=per-sample");
    assertThat(code).isZero();
    assertThat(out.toString()).startsWith("3 cells, 0 rejected").contains("uvit/ddim/fixed[layer=7]@per-sample");
  }

  @Test
  void badInputIsOneLineAndExitCode2() {
    int code = run(DiffexitCli.commandLine(NO_EXECUTOR), "bench", file.toString(), "--set", "strategy.uemm.threshold=0.9");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).isEqualTo(
        "diffexit: --set strategy.uemm.threshold=0.9: no strategy 'uemm'; known: [boom, fixed, none]\n");
  }

  @Test
  void withoutAnExecutorRunningCellsFailsWithAHint() {
    int code = run(DiffexitCli.commandLine(NO_EXECUTOR), "bench", file.toString(), "--out", dir.resolve("out").toString());
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).isEqualTo("diffexit: this build has no cell executor wired into diffexit bench (the "
        + "early-exit runner is not connected); use --dry-run to see the grid or --report-only to rebuild the reports\n");
  }

  @Test
  void runWritesResultsAndReportsThenAReRunSkipsFinishedCells() throws Exception {
    Path results = dir.resolve("out");
    BenchWiring wiring = experiment -> EXECUTOR;
    int code = run(new CommandLine(new BenchCommand(wiring)), file.toString(), "--out", results.toString());
    assertThat(code).as("a failed cell makes the exit status 1").isEqualTo(1);
    assertThat(out.toString()).contains("3 cells finished, 1 failed, 0 already done, 2 rejected; reports in " + results);
    assertThat(results.resolve(ResultStore.MANIFEST)).exists();
    assertThat(results.resolve(ReportWriter.HTML)).exists();
    assertThat(results.resolve(ReportWriter.CSV)).exists();
    String md = Files.readString(results.resolve(ReportWriter.MARKDOWN));
    // fixed layer 3: 12e6 MACs vs 52e6 for none -> 76.9% saved; latency 3 vs 13 ms -> (13/3)/(52/12) = 1.00
    assertThat(md).contains("| uvit | ddim (ddim:steps=4) | fixed[layer=3] (fixed:layer=3) | per-sample | — | — | — | — "
        + "| 0.012 | 0.024 | 76.9% | 3.00 [3.00–3.00] | 1.00 [1.00–1.00] (b64) | — / — | 77% / 0% (ms) | 1.00 / 0.23 "
        + "| 3.00 | — | finished |");
    out.getBuffer().setLength(0);
    code = run(new CommandLine(new BenchCommand(wiring)), file.toString(), "--out", results.toString());
    assertThat(out.toString()).contains("0 cells finished, 1 failed, 3 already done, 2 rejected");
    assertThat(Files.readAllLines(results.resolve(ResultStore.RESULTS))).as("4 first records + the retried failure").hasSize(5);
    Files.delete(results.resolve(ReportWriter.HTML));
    out.getBuffer().setLength(0);
    code = run(new CommandLine(new BenchCommand(wiring)), file.toString(), "--out", results.toString(), "--report-only");
    assertThat(code).isZero();
    assertThat(results.resolve(ReportWriter.HTML)).exists();
  }

  @Test
  void aReRunAfterCellsLeftTheExperimentReportsOnlyTheCurrentGrid() throws Exception {
    Path results = dir.resolve("out");
    BenchWiring wiring = experiment -> EXECUTOR;
    run(new CommandLine(new BenchCommand(wiring)), file.toString(), "--out", results.toString());
    // the failing boom cell leaves the experiment
    Files.writeString(file, EXPERIMENT.replace("  boom: {type: boom}\n", ""));
    out.getBuffer().setLength(0);
    int code = run(new CommandLine(new BenchCommand(wiring)), file.toString(), "--out", results.toString());
    assertThat(code).as(err.toString()).isZero();
    assertThat(out.toString()).contains("0 cells finished, 0 failed, 3 already done, 2 rejected");
    String md = Files.readString(results.resolve(ReportWriter.MARKDOWN));
    assertThat(md).contains("3 finished, 0 failed, 0 not run yet, 2 rejected of 5 combinations. 1 earlier result of"
        + " cells no longer in the experiment (or run with other settings) is kept in results.jsonl and not shown.");
    String csv = Files.readString(results.resolve(ReportWriter.CSV));
    assertThat(csv).doesNotContain("boom").contains("fixed[layer=3]").contains("fixed[layer=5]");
    assertThat(Files.readString(results.resolve(ReportWriter.HTML))).contains("0 not run yet").doesNotContain("uvit/ddim/boom");
    assertThat(Files.readAllLines(results.resolve(ResultStore.RESULTS))).as("nothing is deleted").hasSize(4);
  }
}
