package io.diffexit.harness.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchRunnerTest {

  @TempDir Path dir;

  private final ByteArrayOutputStream progressBytes = new ByteArrayOutputStream();
  private final AtomicLong clock = new AtomicLong();

  private BenchProgress progress() {
    return new BenchProgress(new io.diffexit.harness.progress.ProgressLine(
        new PrintStream(progressBytes, true, StandardCharsets.UTF_8), false),
        () -> clock.addAndGet(1_000_000_000L));
  }

  private BenchRunner.Summary run(Experiment e, CellExecutor executor) {
    try (ResultStore store = ResultStore.open(dir)) {
      return new BenchRunner(e, Fixtures.grid(e), executor, store, progress()).run();
    }
  }

  @Test
  void runsEveryCellAndRecordsThem() {
    Experiment e = Fixtures.parse(Fixtures.SMALL);
    SyntheticCellExecutor ex = new SyntheticCellExecutor(dir);
    BenchRunner.Summary s = run(e, ex);
    assertThat(s).isEqualTo(new BenchRunner.Summary(10, 0, 0, 0));
    assertThat(ex.executed).hasSize(10);
    assertThat(ResultStore.readLatest(dir)).hasSize(10).allMatch(CellRecord::finished);
    assertThat(dir.resolve("cells/uvit_ddim10_uem_threshold=0.9_-2f53763f/samples.png")).exists();
  }

  @Test
  void theFullModelRunsFirstInItsGroupAndOtherCellsGetPsnrAndSsimAgainstIt() {
    // `none` written after `fixed`, and a second none-type cell on a fine-tune ("w/o EE") before both
    Experiment e = Fixtures.parse(Fixtures.SMALL
        .replace("  none: {type: none}\n", "")
        .replace("  fixed: {type: fixed, layer: [7, 11]}\n",
            "  full: {type: none, checkpoint: ckpt/uem}\n  fixed: {type: fixed, layer: [7, 11]}\n  none: {type: none}\n"));
    SyntheticCellExecutor ex = new SyntheticCellExecutor(dir);
    run(e, ex);
    assertThat(ex.executed.subList(0, 3))
        .containsExactly("uvit/ddim10/none", "uvit/ddim10/full", "uvit/ddim10/fixed[layer=7]");
    CellRecord fixed = ResultStore.readLatest(dir).stream()
        .filter(r -> r.cellId().equals("uvit/ddim10/fixed[layer=7]")).findFirst().orElseThrow();
    // 4 uniform images of 106 against none's 100: PSNR 20·log10(255/6), SSIM (2·100·106 + C1)/(100² + 106² + C1)
    var f = fixed.result().fidelity();
    assertThat(f.baselineId()).isEqualTo("uvit/ddim10/none");
    assertThat(f.samples()).isEqualTo(4);
    assertThat(f.psnrMean()).isCloseTo(20 * Math.log10(255.0 / 6), org.assertj.core.api.Assertions.within(1e-9));
    assertThat(f.ssimMean()).isCloseTo((21200 + 6.5025) / (21236 + 6.5025), org.assertj.core.api.Assertions.within(1e-12));
    assertThat(f.psnrLow()).isEqualTo(f.psnrMean());
    CellRecord full = ResultStore.readLatest(dir).stream()
        .filter(r -> r.cellId().equals("uvit/ddim10/full")).findFirst().orElseThrow();
    assertThat(full.result().fidelity().identical()).as("same images as none").isEqualTo(4);
    CellRecord none = ResultStore.readLatest(dir).stream()
        .filter(r -> r.cellId().equals("uvit/ddim10/none")).findFirst().orElseThrow();
    assertThat(none.result().fidelity()).isNull();
  }

  @Test
  void withoutSavedSamplesTheCellsFinishWithoutFidelity() {
    SyntheticCellExecutor ex = new SyntheticCellExecutor(dir);
    ex.writeImages = false;
    run(Fixtures.parse(Fixtures.SMALL), ex);
    assertThat(ResultStore.readLatest(dir)).allMatch(r -> r.finished() && r.result().fidelity() == null);
  }

  @Test
  void aFailingCellIsRecordedWithItsFirstLineAndTheOthersGoOn() {
    Experiment e = Fixtures.parse(Fixtures.SMALL.replace("uem: {type: deediff,", "boom: {type: boom}\n  uem: {type: deediff,"));
    SyntheticCellExecutor ex = new SyntheticCellExecutor(dir);
    BenchRunner.Summary s = run(e, ex);
    assertThat(s).isEqualTo(new BenchRunner.Summary(10, 2, 0, 0));
    List<CellRecord> latest = ResultStore.readLatest(dir);
    CellRecord boom = latest.stream().filter(r -> r.cellId().equals("uvit/ddim10/boom")).findFirst().orElseThrow();
    assertThat(boom.status()).isEqualTo("failed");
    assertThat(boom.error()).isEqualTo("IllegalStateException: strategy 'boom' exploded");
    assertThat(boom.result()).isNull();
    assertThat(ex.executed).as("cells after the failure still ran").contains("uvit/dpm5/uem[threshold=0.9]");
  }

  @Test
  void aReRunSkipsFinishedCellsAndRetriesFailedOnes() throws Exception {
    Experiment e = Fixtures.parse(Fixtures.SMALL.replace("uem: {type: deediff,", "boom: {type: boom}\n  uem: {type: deediff,"));
    run(e, new SyntheticCellExecutor(dir));
    SyntheticCellExecutor second = new SyntheticCellExecutor(dir);
    BenchRunner.Summary s = run(e, second);
    assertThat(second.executed).containsExactly("uvit/ddim10/boom", "uvit/dpm5/boom");
    assertThat(s).isEqualTo(new BenchRunner.Summary(0, 2, 10, 0));
    assertThat(ResultStore.readLatest(dir)).hasSize(12);
    assertThat(Files.readAllLines(dir.resolve(ResultStore.RESULTS))).as("12 first records + 2 retried").hasSize(14);
  }

  @Test
  void resumeAfterACrashRunsOnlyTheCellsNotFinished() throws Exception {
    Experiment e = Fixtures.parse(Fixtures.SMALL);
    Grid grid = Fixtures.grid(e);
    // a first run that was killed after 3 cells, in the middle of writing the 4th record
    SyntheticCellExecutor first = new SyntheticCellExecutor(dir);
    try (ResultStore store = ResultStore.open(dir)) {
      for (Cell c : grid.cells().subList(0, 3)) {
        store.append(new CellRecord(c.id(), e.cellHash(c), c, CellRecord.FINISHED, null,
            first.execute(c, e, Files.createDirectories(dir.resolve("tmp")), CellProgress.none()), "t", "t"));
      }
    }
    Files.writeString(dir.resolve(ResultStore.RESULTS), "{\"cellId\":\"uvit/ddim10/uem[thr",
        StandardOpenOption.APPEND);
    SyntheticCellExecutor resumed = new SyntheticCellExecutor(dir);
    BenchRunner.Summary s = run(e, resumed);
    assertThat(s).isEqualTo(new BenchRunner.Summary(7, 0, 3, 0));
    assertThat(resumed.executed).containsExactlyElementsOf(
        grid.cells().subList(3, 10).stream().map(Cell::id).toList());
    assertThat(ResultStore.readLatest(dir)).extracting(CellRecord::cellId)
        .containsExactlyElementsOf(grid.cells().stream().map(Cell::id).toList());
  }

  @Test
  void aChangedCellConfigurationRunsAgain() {
    run(Fixtures.parse(Fixtures.SMALL), new SyntheticCellExecutor(dir));
    SyntheticCellExecutor again = new SyntheticCellExecutor(dir);
    run(Fixtures.parse(Fixtures.SMALL, "sampler.dpm5.steps=6"), again);
    assertThat(again.executed).as("only the cells of the changed sampler").hasSize(5)
        .allMatch(id -> id.startsWith("uvit/dpm5/"));
  }

  @Test
  void progressIsPlainTextWithCellAndOverallEtaWhenNotATerminal() {
    run(Fixtures.parse(Fixtures.SMALL), new SyntheticCellExecutor(dir));
    String text = progressBytes.toString(StandardCharsets.UTF_8);
    assertThat(text).doesNotContain("\r").doesNotContain("\033");
    assertThat(text).contains("[1/10] uvit/ddim10/none started");
    assertThat(text).containsPattern("\\[2/10\\] uvit/ddim10/fixed\\[layer=7\\] sampling \\[#+\\.*\\] \\d+% \\d+/10");
    assertThat(text).containsPattern("\\[1/10\\] uvit/ddim10/none finished in \\d+:\\d\\d \\| overall \\[##\\.{18}\\] "
        + "10% 1/10 \\| overall ETA \\d+:\\d\\d");
    assertThat(text).contains("[10/10] uvit/dpm5/uem[threshold=0.9] finished");
    // non-terminal output prints a phase at most at its quarters, not every step
    long samplingLines = text.lines().filter(l -> l.startsWith("[1/10] uvit/ddim10/none sampling")).count();
    assertThat(samplingLines).isBetween(1L, 5L);
  }

  @Test
  void durationsAndBarsFormat() {
    assertThat(io.diffexit.harness.progress.ProgressLine.clock(65)).isEqualTo("1:05");
    assertThat(io.diffexit.harness.progress.ProgressLine.clock(3725)).isEqualTo("1:02:05");
    assertThat(io.diffexit.harness.progress.ProgressLine.bar(0.5, 20)).isEqualTo("[##########..........] 50%");
  }
}
