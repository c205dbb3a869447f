package io.diffexit.harness.bench;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import io.diffexit.harness.fidelity.PairedFidelity;
import io.diffexit.harness.fidelity.SavedSamples;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the cells of a grid that the store does not already hold as finished (with the same cell hash), one after
 * another. A cell whose executor throws is recorded as failed with a one-line error and the run goes on; every
 * finished cell is on disk before the next starts, so an interrupted run loses only the cell in progress and a
 * re-run resumes after the last finished one. Failed cells are tried again on a re-run.
 */
public final class BenchRunner {

  private static final Logger LOG = LoggerFactory.getLogger(BenchRunner.class);

  private final Experiment experiment;
  private final Grid grid;
  private final CellExecutor executor;
  private final ResultStore store;
  private final BenchProgress progress;

  /**
   * @param experiment the experiment (shared settings, hashes)
   * @param grid its cells
   * @param executor runs one cell
   * @param store where records go
   * @param progress the progress display
   */
  public BenchRunner(
      Experiment experiment, Grid grid, CellExecutor executor, ResultStore store, BenchProgress progress) {
    this.experiment = experiment;
    this.grid = grid;
    this.executor = executor;
    this.store = store;
    this.progress = progress;
  }

  /** What one invocation did. */
  public record Summary(int finished, int failed, int skipped, int rejected) {}

  /**
   * Runs every pending cell.
   *
   * @return counts of cells finished and failed now, skipped as already finished, and rejected by the filter
   */
  public Summary run() {
    for (RejectedCell r : grid.rejected()) {
      LOG.info("not run: {}: {}", r.id(), r.reason());
    }
    List<Cell> pending = new ArrayList<>();
    int skipped = 0;
    for (Cell c : grid.cells()) {
      if (store.isFinished(c.id(), experiment.cellHash(c))) {
        skipped++;
        LOG.info("already finished, skipping: {}", c.id());
      } else {
        pending.add(c);
      }
    }
    pending = baselinesFirst(pending);
    LOG.info("experiment '{}': {} cells, {} to run, {} already finished, {} rejected",
        experiment.name(), grid.cells().size(), pending.size(), skipped, grid.rejected().size());
    progress.start(pending.size());
    if (!pending.isEmpty()) {
      executor.prepare(List.copyOf(pending), experiment);
    }
    int finished = 0;
    int failed = 0;
    for (int i = 0; i < pending.size(); i++) {
      if (Thread.currentThread().isInterrupted()) {
        LOG.warn("interrupted; {} cells not run (a re-run resumes them)", pending.size() - i);
        break;
      }
      Cell cell = pending.get(i);
      if (runCell(i, cell)) {
        finished++;
      } else {
        failed++;
      }
    }
    return new Summary(finished, failed, skipped, grid.rejected().size());
  }

  private boolean runCell(int index, Cell cell) {
    String hash = experiment.cellHash(cell);
    String started = Instant.now().toString();
    progress.cellStarted(index, cell.id());
    LOG.info("cell {} ({} | {} | {} | {})", cell.id(), cell.backbone().describe(), cell.sampler().describe(),
        cell.strategy().describe(), cell.decision().label());
    CellRecord record;
    try {
      Path cellDir = store.directory().resolve("cells").resolve(cell.fileName());
      Files.createDirectories(cellDir);
      CellResult result = executor.execute(cell, experiment, cellDir, progress.cellProgress());
      if (result == null) {
        throw new IllegalStateException("the cell executor returned no result");
      }
      result = withFidelity(cell, result);
      record = new CellRecord(cell.id(), hash, cell, CellRecord.FINISHED, null, result, started,
          Instant.now().toString());
    } catch (Exception | LinkageError | AssertionError | OutOfMemoryError e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      String error = oneLine(e);
      LOG.error("cell {} failed: {}", cell.id(), error, e);
      record = new CellRecord(cell.id(), hash, cell, CellRecord.FAILED, error, null, started,
          Instant.now().toString());
    }
    try {
      store.append(record);
    } catch (UncheckedIOException e) {
      throw new IllegalStateException("cannot record cell '" + cell.id() + "': " + e.getMessage(), e);
    }
    progress.cellEnded(record.status());
    return record.finished();
  }

  /**
   * @return the cells in grid order, except that a pending full-model cell moves just ahead of the first cell of its
   *     group, so that every other cell can be compared with its samples (paired fidelity)
   */
  private List<Cell> baselinesFirst(List<Cell> pending) {
    java.util.LinkedHashSet<Cell> ordered = new java.util.LinkedHashSet<>();
    for (Cell c : pending) {
      Cell base = grid.baselineOf(c);
      if (base != null && pending.contains(base)) {
        ordered.add(base);
      }
      ordered.add(c);
    }
    return new ArrayList<>(ordered);
  }

  /**
   * Adds PSNR/SSIM against the baseline's samples from the same noise when both cells saved their images and the
   * baseline has finished; a baseline whose samples cannot be read is logged and the cell keeps no fidelity.
   */
  private CellResult withFidelity(Cell cell, CellResult result) {
    Cell base = grid.baselineOf(cell);
    if (base == null || base == cell || result.samplesFile() == null) {
      return result;
    }
    Optional<CellRecord> baseRecord = store.latest(base.id()).filter(CellRecord::finished);
    if (baseRecord.isEmpty() || baseRecord.get().result().samplesFile() == null) {
      LOG.warn("cell {}: no finished baseline {} with saved samples; PSNR/SSIM not computed", cell.id(), base.id());
      return result;
    }
    Path dir = store.directory();
    try {
      SavedSamples mine = SavedSamples.read(dir.resolve(result.samplesFile()));
      SavedSamples ref = SavedSamples.read(dir.resolve(baseRecord.get().result().samplesFile()));
      if (mine.channels() != ref.channels() || mine.height() != ref.height() || mine.width() != ref.width()) {
        throw new IllegalArgumentException("baseline images are " + ref.channels() + "x" + ref.height() + "x"
            + ref.width() + ", the cell's " + mine.channels() + "x" + mine.height() + "x" + mine.width());
      }
      return result.withFidelity(PairedFidelity.measure(
          base.id(), mine.pixels(), ref.pixels(), mine.channels(), mine.height(), mine.width()));
    } catch (RuntimeException e) {
      LOG.warn("cell {}: PSNR/SSIM against {} not computed: {}", cell.id(), base.id(), oneLine(e));
      return result;
    }
  }

  /** @return {@code Type: first line of the message} (the cause's, when the top has none) */
  static String oneLine(Throwable e) {
    Throwable t = e;
    while (t.getMessage() == null && t.getCause() != null) {
      t = t.getCause();
    }
    String msg = t.getMessage() == null ? "" : t.getMessage().lines().findFirst().orElse("");
    return t.getClass().getSimpleName() + (msg.isEmpty() ? "" : ": " + msg);
  }
}
